"""Audio for the review page's player: signed links, a browser-playable file, byte ranges.

* **Signed links.** ``<audio src>`` cannot send an ``Authorization`` header, so
  ``GET /v1/recordings/{id}`` hands out ``/v1/recordings/{id}/audio?sig=EXPIRY.MAC``: an
  HMAC-SHA256 over the recording id and the expiry, keyed by the server's secret
  (``HUASHU_SIGNING_SECRET``, else 32 random bytes generated once into
  ``data_dir/signing.key``).
* **Playable.** Recordings browsers play (PCM WAV, MP3, Ogg Vorbis/Opus/FLAC, FLAC, AAC in
  MP4, WebM) are served as they are; anything else (A-law/μ-law WAV, AMR, …) is transcoded
  once with PyAV to 16-bit PCM WAV, kept in ``data_dir/audio-cache`` by content hash.
* **Ranges.** :func:`parse_range` reads a single ``bytes=`` range (seeking needs it).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Signer", "load_secret", "Playable", "playable", "parse_range", "RangeError"]

log = logging.getLogger(__name__)

# (container format as PyAV names it, codec) pairs that browsers play, and their media type.
_PCM_OK = {"pcm_s16le", "pcm_u8"}
_BY_FORMAT: dict[str, tuple[set[str] | None, str]] = {
    "wav": (_PCM_OK, "audio/wav"),
    "mp3": ({"mp3", "mp3float"}, "audio/mpeg"),
    "ogg": ({"vorbis", "opus", "libopus", "flac"}, "audio/ogg"),
    "flac": ({"flac"}, "audio/flac"),
    "mov,mp4,m4a,3gp,3g2,mj2": ({"aac", "mp3", "mp3float"}, "audio/mp4"),
    "matroska,webm": ({"opus", "libopus", "vorbis"}, "audio/webm"),
}


# -- signed links -----------------------------------------------------------------------------
def load_secret(settings: Any) -> bytes:
    """The signing secret: the settings' one, else ``data_dir/signing.key`` (made once)."""
    if getattr(settings, "signing_secret", None):
        return str(settings.signing_secret).encode()
    path = Path(settings.data_dir) / "signing.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        log.info("generated the audio link secret in %s", path)
    for _ in range(50):  # another process may be writing it this instant
        key = path.read_text().strip()
        if key:
            return key.encode()
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty: delete it to generate a new secret")


class Signer:
    """HMAC tokens ``EXPIRY.MAC`` for a recording id, valid until ``EXPIRY`` (Unix time)."""

    def __init__(self, secret: bytes, ttl_s: int = 3600) -> None:
        self._secret = secret
        self.ttl_s = ttl_s

    def _mac(self, rid: str, expiry: int) -> str:
        msg = f"audio:{rid}:{expiry}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()

    def sign(self, rid: str, now: float | None = None) -> str:
        """A token for ``rid`` valid ``ttl_s`` seconds from ``now``."""
        expiry = int(now if now is not None else time.time()) + self.ttl_s
        return f"{expiry}.{self._mac(rid, expiry)}"

    def verify(self, rid: str, token: str, now: float | None = None) -> str | None:
        """None when ``token`` is valid for ``rid``, else why not."""
        expiry_s, _, mac = token.partition(".")
        if not expiry_s.isdigit() or len(expiry_s) > 12 or len(mac) != 64:
            return "malformed"
        if not hmac.compare_digest(mac, self._mac(rid, int(expiry_s))):
            return "invalid"
        if int(expiry_s) < (now if now is not None else time.time()):
            return "expired"
        return None


# -- a playable file --------------------------------------------------------------------------
@dataclass(frozen=True)
class Playable:
    path: Path
    media_type: str
    transcoded: bool


_transcode_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _codec(path: Path) -> tuple[str, str]:
    import av

    with av.open(str(path)) as c:
        if not c.streams.audio:
            raise ValueError(f"{path.name}: has no audio stream")
        return str(c.format.name), str(c.streams.audio[0].codec_context.name)


def playable(path: str | Path, sha256: str, cache_dir: Path) -> Playable:
    """The recording as a browser plays it: itself, or a WAV transcoded once and cached
    (blocking: run it on the executor)."""
    src = Path(path)
    fmt, codec = _codec(src)
    ok = _BY_FORMAT.get(fmt)
    if ok is not None and ok[0] is not None and codec in ok[0]:
        return Playable(src, ok[1], False)
    dest = cache_dir / f"{sha256}.wav"
    with _locks_guard:
        lock = _transcode_locks.setdefault(sha256, threading.Lock())
    with lock:
        if not dest.exists():
            t0 = time.perf_counter()
            cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = cache_dir / f".{sha256}.{uuid.uuid4().hex}.tmp"
            try:
                _to_wav(src, tmp)
                os.replace(tmp, dest)
            finally:
                tmp.unlink(missing_ok=True)
            log.info("transcoded %s (%s/%s) to WAV in %.2fs", src.name, fmt, codec,
                     time.perf_counter() - t0)
    with _locks_guard:
        _transcode_locks.pop(sha256, None)
    return Playable(dest, "audio/wav", True)


def _to_wav(src: Path, dest: Path) -> None:
    """Decode ``src`` and write it as 16-bit PCM WAV at its own rate (mono or stereo)."""
    import av

    with av.open(str(src)) as inp, av.open(str(dest), "w", format="wav") as out:
        stream = inp.streams.audio[0]
        ctx = stream.codec_context
        layout = "stereo" if len(ctx.layout.channels) >= 2 else "mono"
        rate = int(ctx.sample_rate or 8000)
        ostream: Any = out.add_stream("pcm_s16le", rate=rate, layout=layout)
        resampler = av.AudioResampler(format="s16", layout=layout, rate=rate)

        def put(frames: list[Any]) -> None:
            for f in frames:
                for packet in ostream.encode(f):
                    out.mux(packet)

        try:
            for frame in inp.decode(stream):
                frame.pts = None
                put(resampler.resample(frame))
        except av.error.FFmpegError as exc:  # type: ignore[attr-defined]
            log.warning("%s: decoding stopped early for the player (%s)", src.name, exc)
        put(resampler.resample(None))
        for packet in ostream.encode(None):
            out.mux(packet)


# -- byte ranges ------------------------------------------------------------------------------
class RangeError(ValueError):
    """A ``Range`` header that cannot be satisfied (answer 416)."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` byte of a ``Range`` header over ``size`` bytes; None
    to send the whole file (no header, another unit, or several ranges, which a server may
    answer whole). Raises :class:`RangeError` for a malformed or unsatisfiable range."""
    if header is None:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes":
        return None
    if "," in spec:
        return None
    first_s, dash, last_s = spec.strip().partition("-")
    first_s, last_s = first_s.strip(), last_s.strip()
    if not dash or (first_s and not first_s.isdigit()) or (last_s and not last_s.isdigit()):
        raise RangeError(f"malformed Range {header!r}")
    if not first_s:  # the last N bytes
        if not last_s or int(last_s) == 0:
            raise RangeError(f"malformed Range {header!r}")
        n = int(last_s)
        return max(0, size - n), size - 1
    first = int(first_s)
    last = int(last_s) if last_s else size - 1
    if last < first:
        raise RangeError(f"malformed Range {header!r}: the end is before the start")
    if first >= size:
        raise RangeError(f"Range {header!r} starts past the end ({size} bytes)")
    return first, min(last, size - 1)
