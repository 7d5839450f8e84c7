"""The uncivil-speech model's file: what it holds, and a damaged one refused by name."""

from __future__ import annotations

import json

import numpy as np
import pytest

from models.uncivil import EMBEDDING, UncivilModel, UncivilModelError, load_model


def test_the_shipped_model_says_what_it_was_trained_on():
    m = load_model()
    assert m.version.startswith("sha256:")
    assert m.mean.shape == m.weights.shape == (384,)
    rows = m.trained_on["rows"]
    # service sentences both ways, and real comments outside the trade as civil
    assert rows["cold:civil"] >= 1000 and rows["v2:uncivil"] >= 1 and rows["bank:civil"] >= 1
    # the held-out sets are never trained on
    assert not any(k.startswith(("N:", "P:")) for k in rows)
    # the evidence of a flag: the uncivil training sentences, each once
    uncivil_rows = sum(n for k, n in rows.items() if k.endswith(":uncivil"))
    assert len(set(m.examples)) == len(m.examples) and 100 < len(m.examples) <= uncivil_rows


def test_probability_is_the_logistic_of_the_scaled_distance_from_the_mean():
    w = np.zeros(4, np.float32)
    w[0] = 1.0
    m = UncivilModel(mean=np.zeros(4, np.float32), weights=w, bias=-1.0, scale=2.0,
                     examples=("x",))
    p = m.probability(np.array([[0.5, 9, 9, 9], [0, 0, 0, 0]], np.float32))
    assert p == pytest.approx([1 / (1 + np.exp(0.0)), 1 / (1 + np.exp(1.0))])


@pytest.mark.parametrize("content,message", [
    (b"{not json", "not JSON"),
    (json.dumps({"format": 9}).encode(), "not a model of format"),
    (json.dumps({"format": 1, "embedding": "other"}).encode(), "trained on 'other'"),
    (json.dumps({"format": 1, "embedding": EMBEDDING, "mean": [0, 0], "weights": [1],
                 "bias": 0, "scale": 1, "examples": ["a"]}).encode(), "one length"),
    (json.dumps({"format": 1, "embedding": EMBEDDING, "mean": [0], "weights": [1],
                 "bias": 0, "scale": 1}).encode(), "missing or wrong"),
    (b'{"format": 1, "embedding": "' + EMBEDDING.encode() +
     b'", "mean": [0], "weights": [NaN], "bias": 0, "scale": 1, "examples": ["a"]}',
     "not finite"),
])
def test_a_damaged_model_file_is_refused_naming_the_file_not_its_folder(tmp_path, content,
                                                                       message):
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(UncivilModelError, match=message) as err:
        load_model(path)
    assert "broken.json" in str(err.value) and str(tmp_path) not in str(err.value)


def test_a_missing_model_file_is_refused_by_name(tmp_path):
    with pytest.raises(UncivilModelError, match="gone.json: cannot be read") as err:
        load_model(tmp_path / "gone.json")
    assert str(tmp_path) not in str(err.value)
