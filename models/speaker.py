"""The speaker encoder: Resemblyzer's voice encoder, run with numpy.

Resemblyzer (Apache-2.0, on PyPI as ``Resemblyzer``) ships the weights of a GE2E speaker
encoder in its wheel (``resemblyzer/pretrained.pt``, 17 MB): 40 mel bands every 10 ms, a
3-layer LSTM of 256 units, a linear layer and a ReLU, L2-normalised to a 256-dimension
embedding of a 1.6 s window. Its own code needs torch (a 550 MB wheel, and CUDA packages
beside it on PyPI) for three matrix products per step; huashu reads the same weights from
the installed wheel (``pip install --no-deps Resemblyzer``, done by the set-up command) and
runs the same network in numpy, with the same mel filterbank (librosa's Slaney mel scale).

The file is torch's legacy serialisation: a few pickles, then each tensor's raw storage.
:func:`read_legacy_torch` reads it with a restricted unpickler that builds numpy arrays and
refuses any other class (a checkpoint cannot run code here).
"""

from __future__ import annotations

import io
import logging
import pickle
import struct
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from . import SpeakerModelError

__all__ = ["SPEAKER_MODEL", "SpeakerModelError", "VoiceEncoder", "encoder_weights_path",
           "read_legacy_torch"]

log = logging.getLogger(__name__)

SPEAKER_MODEL = "resemblyzer-0.1.4-ge2e"
"""The name results record for the speaker encoder."""

SAMPLE_RATE = 16000
_N_FFT = 400  # 25 ms
_HOP = 160  # 10 ms
_N_MELS = 40
_PARTIAL = 160  # frames in one window: 1.6 s




def encoder_weights_path() -> Path:
    """``pretrained.pt`` of the installed Resemblyzer wheel, found without importing the
    package (its ``__init__`` imports torch)."""
    try:
        dist = metadata.distribution("Resemblyzer")
    except metadata.PackageNotFoundError:
        raise SpeakerModelError(
            "the speaker encoder is not installed: pip install --no-deps Resemblyzer==0.1.4") \
            from None
    path = Path(str(dist.locate_file("resemblyzer/pretrained.pt")))
    if not path.is_file():
        raise SpeakerModelError(f"Resemblyzer {dist.version} has no resemblyzer/pretrained.pt")
    return path


# -- torch's legacy format, read into numpy -----------------------------------------------------

_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
           "LongStorage": np.int64, "IntStorage": np.int32, "ByteStorage": np.uint8}


@dataclass
class _Storage:
    key: str
    dtype: Any
    data: np.ndarray | None = None


@dataclass
class _TensorRef:
    storage: _Storage
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]

    def array(self) -> np.ndarray:
        assert self.storage.data is not None
        item = self.storage.data.itemsize
        return np.lib.stride_tricks.as_strided(
            self.storage.data[self.offset:], shape=self.size,
            strides=tuple(s * item for s in self.stride)).copy()


def _rebuild_tensor(storage: _Storage, offset: int, size: Sequence[int], stride: Sequence[int],
                    *_rest: Any) -> _TensorRef:
    return _TensorRef(storage, int(offset), tuple(size), tuple(stride))


class _Unpickler(pickle.Unpickler):
    """Only what a state dict holds: ordered dicts, tensors and their storages."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
            return _rebuild_tensor
        if module == "torch" and name in _DTYPES:
            return name
        raise pickle.UnpicklingError(f"the checkpoint holds {module}.{name}: refused")

    def persistent_load(self, pid: Any) -> Any:
        kind, storage_type, key, _location, _numel = pid[:5]
        if kind != "storage" or storage_type not in _DTYPES:
            raise pickle.UnpicklingError(f"unexpected storage {pid!r}")
        storages = self.storages  # type: ignore[attr-defined]
        if key not in storages:
            storages[key] = _Storage(key, _DTYPES[storage_type])
        return storages[key]


def read_legacy_torch(path: Path) -> dict[str, Any]:
    """A checkpoint in torch's legacy (non-zip) format, tensors as numpy arrays."""
    raw = path.read_bytes()
    f = io.BytesIO(raw)
    magic = pickle.load(f)
    if magic != 0x1950A86A20F9469CFC6C:
        raise SpeakerModelError(f"{path.name}: not a legacy torch checkpoint")
    pickle.load(f)  # protocol version
    pickle.load(f)  # system info
    up = _Unpickler(f)
    up.storages = {}  # type: ignore[attr-defined]
    obj = up.load()
    keys = pickle.load(f)
    for key in keys:
        st = up.storages[key]  # type: ignore[attr-defined]
        (numel,) = struct.unpack("<q", f.read(8))
        n_bytes = numel * np.dtype(st.dtype).itemsize
        st.data = np.frombuffer(f.read(n_bytes), dtype=st.dtype)

    def convert(x: Any) -> Any:
        if isinstance(x, _TensorRef):
            return x.array()
        if isinstance(x, dict):
            return {k: convert(v) for k, v in x.items()}
        return x

    return convert(obj)  # type: ignore[no-any-return]


# -- the network ---------------------------------------------------------------------------------

def _mel_filterbank() -> np.ndarray:
    """librosa.filters.mel(sr=16000, n_fft=400, n_mels=40): Slaney's mel scale and area
    normalisation, as Resemblyzer was trained with."""
    def hz_to_mel(f: np.ndarray) -> np.ndarray:
        f = np.asarray(f, dtype=np.float64)
        lin = f / (200.0 / 3)
        log_part = 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
        return np.where(f >= 1000.0, log_part, lin)

    def mel_to_hz(m: np.ndarray) -> np.ndarray:
        lin = (200.0 / 3) * m
        log_part = 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0))
        return np.where(m >= 15.0, log_part, lin)

    fft_freqs = np.linspace(0, SAMPLE_RATE / 2, 1 + _N_FFT // 2)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(np.array(0.0)), hz_to_mel(np.array(SAMPLE_RATE / 2)),
                                  _N_MELS + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None, :]
    weights = np.zeros((_N_MELS, len(fft_freqs)))
    for i in range(_N_MELS):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:_N_MELS + 2] - mel_f[:_N_MELS]))[:, None]
    return weights.astype(np.float32)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # = 1 / (1 + e^-x), without overflow warnings


class VoiceEncoder:
    """Speaker embeddings of 16 kHz speech (256 dimensions, L2-normalised)."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.layers = []
        for k in range(3):
            w_ih = weights[f"lstm.weight_ih_l{k}"].astype(np.float32)
            w_hh = weights[f"lstm.weight_hh_l{k}"].astype(np.float32)
            bias = (weights[f"lstm.bias_ih_l{k}"] + weights[f"lstm.bias_hh_l{k}"]).astype(
                np.float32)
            self.layers.append((w_ih.T.copy(), w_hh.T.copy(), bias))
        self.linear_w = weights["linear.weight"].astype(np.float32).T.copy()
        self.linear_b = weights["linear.bias"].astype(np.float32)
        self.mel = _mel_filterbank()
        self.window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(_N_FFT) / _N_FFT)).astype(
            np.float32)  # periodic Hann, as librosa's

    @classmethod
    def load(cls, path: Path | None = None) -> VoiceEncoder:
        path = path or encoder_weights_path()
        try:
            checkpoint = read_legacy_torch(path)
            return cls(checkpoint["model_state"])
        except (OSError, KeyError, pickle.UnpicklingError, struct.error, ValueError) as exc:
            raise SpeakerModelError(f"the speaker encoder's weights cannot be read "
                                    f"({type(exc).__name__}: {exc})") from None

    def mel_frames(self, wav: np.ndarray) -> np.ndarray:
        """Mel power spectrogram, ``(frames, 40)`` (librosa's centred STFT, zero padded)."""
        padded = np.pad(wav.astype(np.float32), _N_FFT // 2)
        n = 1 + (padded.size - _N_FFT) // _HOP
        if n <= 0:
            return np.zeros((0, _N_MELS), dtype=np.float32)
        idx = np.arange(_N_FFT)[None, :] + _HOP * np.arange(n)[:, None]
        spec = np.abs(np.fft.rfft(padded[idx] * self.window, axis=1)) ** 2
        return (spec.astype(np.float32) @ self.mel.T).astype(np.float32)

    def _forward(self, mels: np.ndarray) -> np.ndarray:
        """``(batch, frames, 40)`` windows to their embeddings ``(batch, 256)``."""
        x = mels
        batch, steps, _ = x.shape
        for w_ih, w_hh, bias in self.layers:
            hidden = w_hh.shape[0]
            gates_in = x @ w_ih + bias  # all steps at once: (batch, steps, 4 * hidden)
            h = np.zeros((batch, hidden), dtype=np.float32)
            c = np.zeros((batch, hidden), dtype=np.float32)
            out = np.empty((batch, steps, hidden), dtype=np.float32)
            for t in range(steps):
                g = gates_in[:, t] + h @ w_hh
                i = _sigmoid(g[:, :hidden])
                f = _sigmoid(g[:, hidden:2 * hidden])
                cell = np.tanh(g[:, 2 * hidden:3 * hidden])
                o = _sigmoid(g[:, 3 * hidden:])
                c = f * c + i * cell
                h = o * np.tanh(c)
                out[:, t] = h
            x = out
        e = np.maximum(0.0, x[:, -1] @ self.linear_w + self.linear_b)
        return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-9)

    def _windows(self, wav: np.ndarray, hop_frames: int, pad: bool,
                 window_frames: int = _PARTIAL) -> list[np.ndarray]:
        """The mel windows of one piece of speech (``window_frames`` long, at most 1.6 s),
        ``hop_frames`` apart, its volume normalised first (-30 dBFS), as Resemblyzer's
        preprocessing does; ``pad``: a piece shorter than a window is padded with silence
        (else it has none). Windows shorter than 1.6 s are padded with silence to it."""
        rms = float(np.sqrt(np.mean(np.square(wav, dtype=np.float64)))) if wav.size else 0.0
        mel = self.mel_frames(wav * (10 ** (-30 / 20) / rms) if rms > 1e-6 else wav)
        if pad and mel.shape[0] < window_frames:
            mel = np.pad(mel, ((0, window_frames - mel.shape[0]), (0, 0)))
        out = [mel[s:s + window_frames]
               for s in range(0, mel.shape[0] - window_frames + 1, hop_frames)]
        if window_frames < _PARTIAL:
            # padded with silence as a short piece is: unpadded 1 s windows told the voices
            # apart less well (on the v2 badge recordings, 2 of 7 changes at edges missed)
            out = [np.pad(w, ((0, _PARTIAL - window_frames), (0, 0))) for w in out]
        return out

    def _run(self, pieces: Iterable[list[np.ndarray]], max_batch: int,
             ) -> tuple[np.ndarray, list[int]]:
        """The embeddings of the windows of ``pieces`` (each a list of windows), in order, and
        how many windows each piece had. The windows run through the network ``max_batch``
        at a time across pieces (fewer, fuller batches: the network steps through each
        window's frames one by one, whatever the batch), holding at most one batch of
        windows not yet run (a 10-minute visit has some 2,500)."""
        counts: list[int] = []
        pending: list[np.ndarray] = []
        done: list[np.ndarray] = []
        for windows in pieces:
            counts.append(len(windows))
            pending.extend(windows)
            while len(pending) >= max_batch:
                done.append(self._forward(np.stack(pending[:max_batch])))
                del pending[:max_batch]
        if pending:
            done.append(self._forward(np.stack(pending)))
        return (np.concatenate(done) if done else np.zeros((0, 256), dtype=np.float32)), counts

    def embed_windows(self, wav: np.ndarray, *, hop_frames: int = 20,
                      window_frames: int = _PARTIAL,
                      max_batch: int = 256) -> tuple[np.ndarray, float]:
        """The embedding of each window of one piece of speech, ``window_frames`` long (10 ms
        frames: 1.6 s, the encoder's own, by default; a shorter one is padded with silence,
        as a short piece is), ``hop_frames`` apart (0.2 s by default): ``(windows, 256)``,
        unit rows, and the window's length in seconds. Where the voice changes inside the
        piece, the windows' embeddings change with it. A piece shorter than a window has
        none."""
        [out], window_s = self.embed_windows_many([wav], hop_frames=hop_frames,
                                                  window_frames=window_frames,
                                                  max_batch=max_batch)
        return out, window_s

    def embed_windows_many(self, wavs: Sequence[np.ndarray], *, hop_frames: int = 20,
                           window_frames: int = _PARTIAL, max_batch: int = 256,
                           ) -> tuple[list[np.ndarray], float]:
        """:meth:`embed_windows` of several pieces at once (their windows run through the
        network together: :meth:`_run`)."""
        if not 1 <= window_frames <= _PARTIAL:
            raise ValueError(f"window_frames must be 1-{_PARTIAL}, not {window_frames}")
        emb, counts = self._run((self._windows(wav, hop_frames, pad=False,
                                               window_frames=window_frames) for wav in wavs),
                                max_batch)
        emb = (emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-9)
               ).astype(np.float32)
        bounds = np.cumsum([0, *counts])
        return ([emb[a:b] for a, b in zip(bounds, bounds[1:], strict=False)],
                window_frames * _HOP / SAMPLE_RATE)

    def embed_many(self, wavs: Sequence[np.ndarray], *, hop_frames: int = 77,
                   max_batch: int = 256) -> np.ndarray:
        """One embedding per piece of speech: the normalised mean of its 1.6 s windows
        (``hop_frames`` apart, Resemblyzer's rate of 1.3 a second; a piece shorter than a
        window is padded with silence)."""
        emb, counts = self._run((self._windows(wav, hop_frames, pad=True) for wav in wavs),
                                max_batch)
        out = np.zeros((len(wavs), 256), dtype=np.float32)
        np.add.at(out, np.repeat(np.arange(len(wavs)), counts), emb)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)
