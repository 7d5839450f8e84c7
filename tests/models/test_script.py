"""The script-line model's file: what it holds, and a damaged one refused by name."""

from __future__ import annotations

import json

import numpy as np
import pytest

import phrasebank as pb
from models.script import EMBEDDING, NONE, ScriptModel, ScriptModelError, load_model


def test_the_shipped_model_names_script_lines_of_the_bank_and_none():
    m = load_model()
    assert m.version.startswith("sha256:")
    assert NONE in m.classes and m.weights.shape == (len(m.classes), 384)
    kinds = {e.ref: e.kind for e in pb.load().entries}
    assert all(kinds[c] == "script" for c in m.classes if c != NONE)
    # the sets kept to measure it are never trained on
    from bench.train_wording import UNSEEN_SETS

    assert not set(UNSEEN_SETS) & set(m.trained_on["rows"])
    assert m.trained_on["lines"] > 200 and m.trained_on["none"] > 100
    # civil is not "no script line": the uncivil model's routine sentences are not its none
    assert "examples" not in m.trained_on["rows"]


def test_a_probe_row_of_no_ref_is_none_only_in_a_set_that_labels_script_lines(shared) -> None:
    from bench.train_script import _sets_of_lines, gather

    rows = [{"set": "S1", "refs": ["5.12"]}, {"set": "S1", "refs": []},
            {"set": "S2", "refs": ["8.3"]}, {"set": "S2", "refs": []}]
    assert _sets_of_lines(rows) == {"S1"}
    trained = gather(shared, pb.load())
    nones = {t for t, line, _ in trained if line == NONE}
    # a routine sentence of a set of violations (G) says a script line: not taught as none
    assert "您对今天的服务还满意吗" not in nones
    assert not any(g == "examples" for _, _, g in trained)
    # a set that labels its lines keeps its rows of no line (H2's near misses)
    assert any(g == "H2" and line == NONE for _, line, g in trained)


def test_probabilities_are_a_softmax_over_the_classes():
    m = ScriptModel(classes=(NONE, "5.9"), weights=np.array([[0, 0], [1, 0]], np.float32),
                    biases=np.array([0, -1], np.float32), scale=2.0)
    p = m.probabilities(np.array([[1.0, 5.0], [0.0, 0.0]], np.float32))
    assert p.sum(axis=1) == pytest.approx([1, 1])
    assert p[0, 1] == pytest.approx(np.exp(1) / (1 + np.exp(1)))  # z = 2*1 - 1 = 1 over 0
    assert p[1, 1] == pytest.approx(np.exp(-1) / (1 + np.exp(-1)))


def _doc(**over):
    doc = {"format": 1, "embedding": EMBEDDING, "scale": 1, "classes": ["", "5.9"],
           "biases": [0, 0], "weights": [[0, 0], [1, 0]]}
    return json.dumps({**doc, **over}).encode()


@pytest.mark.parametrize("content,message", [
    (b"{not json", "not JSON"),
    (_doc(format=9), "not a model of format"),
    (_doc(embedding="other"), "trained on 'other'"),
    (_doc(biases=[0]), "one bias per class"),
    (_doc(classes=["5.8", "5.9"]), "one of them none"),
    (_doc(classes=["", ""]), "distinct"),
    (json.dumps({"format": 1, "embedding": EMBEDDING}).encode(), "missing or wrong"),
    (_doc().replace(b"[[0, 0]", b"[[NaN, 0]"), "not finite"),
])
def test_a_damaged_model_file_is_refused_naming_the_file_not_its_folder(tmp_path, content,
                                                                       message):
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(ScriptModelError, match=message) as err:
        load_model(path)
    assert "broken.json" in str(err.value) and str(tmp_path) not in str(err.value)
