"""The wording model's file: refused by name when it is not one (models.wording)."""

from __future__ import annotations

import json

import pytest

import models.wording as wording


def test_a_model_file_that_is_not_one_is_refused_by_name(tmp_path) -> None:
    doc = json.loads(wording.default_path().read_text(encoding="utf-8"))
    cases = {
        "broken.json": "{not json",
        "other.json": json.dumps({**doc, "features": "bag of letters"}),
        "short.json": json.dumps({**doc, "weights": doc["weights"][:-1]}),
        "nan.json": json.dumps({**doc, "bias": float("nan")}),
        "empty.json": json.dumps({**doc, "examples": []}),
    }
    for name, body in cases.items():
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        with pytest.raises(wording.WordingModelError) as err:
            wording.load_model(path)
        assert name in str(err.value) and str(tmp_path) not in str(err.value)
    with pytest.raises(wording.WordingModelError, match="missing.json: cannot be read"):
        wording.load_model(tmp_path / "missing.json")
