"""What makes two analyses of a recording the same: the fingerprint holds every model that
reads it."""

from __future__ import annotations

import json

import models.script as script
import models.uncivil as uncivil
import models.wording as wording
from analyzer.fingerprint import recording_key
from analyzer.speech import SpeechOptions, speech_fingerprint


def _fingerprint(semantic: bool, analyzer_options: dict | None = None):
    return speech_fingerprint("sha256:bank", "whisper-base", SpeechOptions(semantic=semantic),
                              analyzer_options or {}, "left")


def test_reading_by_meaning_puts_its_models_in_the_fingerprint(tmp_path, monkeypatch) -> None:
    on, off = _fingerprint(True), _fingerprint(False)
    assert on.options["semantic_models"]["uncivil"] == uncivil.load_model().version
    assert on.options["semantic_models"]["script"] == script.load_model().version
    assert "e5" in on.options["semantic_models"]["sentence"]
    assert "semantic_models" not in off.options
    # a deployment that ships other uncivil weights gets other keys: no result of the old
    # weights is reused for it
    other = tmp_path / "uncivil_e5.json"
    doc = json.loads(uncivil.default_path().read_text(encoding="utf-8"))
    doc["bias"] = float(doc["bias"]) + 0.5
    other.write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setattr(uncivil, "default_path", lambda: other)
    uncivil.shipped_version.cache_clear()
    try:
        swapped = _fingerprint(True)
    finally:
        monkeypatch.undo()
        uncivil.shipped_version.cache_clear()
    assert swapped.options["semantic_models"]["uncivil"] != on.options["semantic_models"][
        "uncivil"]
    assert recording_key("ab" * 32, swapped, None) != recording_key("ab" * 32, on, None)
    assert _fingerprint(True) == on  # the shipped model again


def test_reading_by_wording_alone_puts_its_model_in_the_fingerprint() -> None:
    # recordings with the sentence model off (HUASHU_SEMANTIC=false) still read by wording
    worded = _fingerprint(False, {"wording": True})
    assert worded.options["semantic_models"] == {"wording": wording.shipped_version()}
    assert "semantic_models" not in _fingerprint(False, {"wording": False}).options
    assert _fingerprint(True, {"wording": True}).options["semantic_models"]["wording"] == \
        wording.shipped_version()
