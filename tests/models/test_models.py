"""The packaged model: joined once, verified, never fetched from a hub."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import models
from models import ModelError, packaged_model_dir, resolve_model


def test_join_verify_and_reuse(tmp_path):
    d = packaged_model_dir(tmp_path)
    assert {p.name for p in d.iterdir()} >= {"model.bin", "config.json", "tokenizer.json",
                                              "vocabulary.json"}
    mtime = (d / "model.bin").stat().st_mtime_ns
    assert packaged_model_dir(tmp_path) == d
    assert (d / "model.bin").stat().st_mtime_ns == mtime  # not joined again


def test_a_damaged_cache_is_joined_again(tmp_path):
    d = packaged_model_dir(tmp_path)
    with open(d / "model.bin", "r+b") as fh:
        fh.truncate(1000)
    d2 = packaged_model_dir(tmp_path)
    assert (d2 / "model.bin").stat().st_size > 100_000_000


def test_a_wrong_checksum_is_refused(tmp_path, monkeypatch):
    # The packages are fine here, so a damaged download is simulated by pinning another hash.
    monkeypatch.setattr(models, "MODEL_SHA256", "0" * 64)
    with pytest.raises(ModelError, match="expected 0000"):
        packaged_model_dir(tmp_path)
    assert not (tmp_path / "whisper-base").exists()


def test_model_dir_setting(tmp_path):
    from models import ModelSpec, model_name

    with pytest.raises(ModelError, match="not a CTranslate2 model folder"):
        resolve_model(ModelSpec(model_dir=tmp_path))
    d = packaged_model_dir(tmp_path / "cache")
    info = resolve_model(ModelSpec(model_dir=d))
    assert info.path == d and info.name.startswith("local:")
    assert info.name == model_name(ModelSpec(model_dir=d))  # known without loading


def test_a_broken_model_folder_is_a_clear_error(tmp_path):
    from models import ModelSpec, load_whisper

    d = packaged_model_dir(tmp_path / "cache")
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in d.iterdir():
        (broken / f.name).write_bytes(f.read_bytes()[:4096] if f.name == "model.bin"
                                      else f.read_bytes())
    with pytest.raises(ModelError, match="cannot be loaded"):
        load_whisper(ModelSpec(model_dir=broken))


def test_loads_with_no_hub_reachable(tmp_path):
    code = ("from models import ModelSpec, load_whisper; "
            f"m, i = load_whisper(ModelSpec(cache_dir={str(tmp_path)!r})); print(i.name)")
    env = {**os.environ, "HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_OFFLINE": "0",
           "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    assert "whisper-base" in p.stdout
