"""Noisy copies of the v2 stereo interruption calls, for checking stereo call analytics in
noise on calls the corpus gives no noisy copy of.

The corpus's ``dialogues_noisy/`` has pink noise and babble at 10 dB SNR on its dialogues;
its interruption calls (v2di01, v2di03, v2di05: where the agents cut in) come clean only.
This writes each of them again with, on each channel, pink noise plus the babble of 6
talkers (channels of the v2 stereo dialogues, each from a random point, looped), together
10 dB below the channel's active level (the mean power of its louder half of 20 ms frames),
band-passed to the telephone band (300-3400 Hz) and stored as the corpus stores calls:
8 kHz stereo G.711 A-law WAV. The timelines are copied, their ``condition`` says so.

The babble here is a handful of real turns with their pauses, so louder moments and
lulls come and go more than in the corpus's noise; and the active level over the whole
channel counts some silence, so the noise is somewhat above 10 dB SNR against the speech
itself. A harder check than the corpus's noisy calls, not a copy of them.

With ``--echo DB`` each channel also carries the other's voice ``DB`` dB down and
``--echo-ms`` late (a line's echo, a handset's sidetone), the stereo calls of the
dialogues too; with ``--quiet`` no noise is added, only the echo.

With ``--tv DB`` the customer's channel of every stereo call also carries a voice in the
room behind them (a television, someone else talking): real human speech (the recordings of
``corpus/external/real_speech/``, joined, looped, from a random point) ``DB`` dB below the
channel's active level, in the telephone band. Nobody in the call says its words.

    python bench/noisy_calls.py OUT [--seed 11] [--shared ../shared]
    python bench/noisy_calls.py OUT --echo -30 --echo-ms 90 --quiet
    python bench/noisy_calls.py OUT --tv -20 --quiet
    python bench/analytics_bench.py --dir OUT
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

log = logging.getLogger("noisy_calls")

RATE = 16000
TALKERS = 6  # babble voices on each channel
SNR_DB = 10.0


def _decode(path: Path) -> list[np.ndarray]:
    """Every channel of a recording at 16 kHz, float64."""
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0",
                            "-show_entries", "stream=channels", "-of", "csv=p=0", str(path)],
                           capture_output=True, text=True, check=True)
    channels = int(probe.stdout.strip())
    raw = subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(path), "-ar", str(RATE),
                          "-f", "f32le", "-"], capture_output=True, check=True).stdout
    x = np.frombuffer(raw, np.float32).reshape(-1, channels)
    return [x[:, k].astype(np.float64) for k in range(channels)]


def _active_level_db(x: np.ndarray) -> float:
    n = x.size // 320
    power = np.sort(np.mean(x[: n * 320].reshape(n, 320) ** 2, axis=1))[n // 2:]
    return float(10 * np.log10(np.mean(power) + 1e-12))


def _pink(n: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.normal(size=n))
    x = np.fft.irfft(spectrum / np.sqrt(np.arange(1, spectrum.size + 1)), n)
    return x / np.std(x)


def _telephone_band(x: np.ndarray) -> np.ndarray:
    """``x`` with everything outside 300-3400 Hz removed (over the whole signal at once)."""
    spectrum = np.fft.rfft(x)
    freq = np.fft.rfftfreq(x.size, 1 / RATE)
    spectrum[(freq < 300) | (freq > 3400)] = 0
    return np.fft.irfft(spectrum, x.size)


def noisy_copy(channels: list[np.ndarray], talkers: list[np.ndarray],
               rng: np.random.Generator) -> np.ndarray:
    """``channels`` with pink noise and babble added to each, ``SNR_DB`` below its active
    level, in the telephone band; samples x channels, peak at most 1."""
    n = channels[0].size
    noisy = []
    for ch in channels:
        babble = np.zeros(n)
        for _ in range(TALKERS):
            voice = talkers[int(rng.integers(len(talkers)))]
            voice = np.tile(voice, int(np.ceil(n / voice.size)) + 1)
            start = int(rng.integers(voice.size - n))
            babble += voice[start:start + n] / (np.std(voice) + 1e-9)
        noise = _telephone_band(_pink(n, rng) / np.sqrt(2) + babble / np.std(babble) / np.sqrt(2))
        noise *= 10 ** ((_active_level_db(ch) - SNR_DB) / 20) / np.sqrt(np.mean(noise ** 2))
        noisy.append(ch + noise)
    x = np.stack(noisy, axis=1)
    return x / max(1.0, float(np.abs(x).max()))


def with_echo(channels: list[np.ndarray], db: float, ms: float) -> list[np.ndarray]:
    """Each channel with the other's voice added ``db`` dB down, ``ms`` late."""
    delay = int(round(ms / 1000 * RATE))
    gain = 10 ** (db / 20)
    out = []
    for k, ch in enumerate(channels):
        echo = np.zeros_like(ch)
        echo[delay:] = channels[1 - k][: ch.size - delay]
        out.append(ch + gain * echo)
    return out


def with_background_voice(channel: np.ndarray, voice: np.ndarray, db: float,
                          rng: np.random.Generator) -> np.ndarray:
    """``channel`` with ``voice`` (looped, from a random point) added ``db`` dB below the
    channel's active level, in the telephone band."""
    n = channel.size
    looped = np.tile(voice, int(np.ceil(n / voice.size)) + 1)
    start = int(rng.integers(looped.size - n))
    behind = _telephone_band(looped[start:start + n])
    behind *= 10 ** ((_active_level_db(channel) - _active_level_db(behind) + db) / 20)
    return channel + behind


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2]
                        / "shared")
    parser.add_argument("--echo", type=float, default=None, metavar="DB",
                        help="add each channel's voice to the other this many dB down")
    parser.add_argument("--echo-ms", type=float, default=90.0)
    parser.add_argument("--tv", type=float, default=None, metavar="DB",
                        help="a real voice behind the customer, this many dB below them")
    parser.add_argument("--quiet", action="store_true",
                        help="no noise, only the echo or the voice behind")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    audio = args.shared / "corpus" / "v2" / "audio"
    if not (audio / "interruptions").is_dir():
        log.error("no v2 recordings under %s (--shared)", args.shared.name)
        return 2
    rng = np.random.default_rng(args.seed)
    talkers = [c for p in sorted((audio / "dialogues").glob("*.wav")) for c in _decode(p)]
    args.out.mkdir(parents=True, exist_ok=True)
    calls = sorted((audio / "interruptions").glob("*.wav"))  # the stereo calls
    if args.echo is not None or args.tv is not None:
        calls += sorted((audio / "dialogues").glob("*.wav"))
    behind = np.concatenate([_decode(p)[0] for p in sorted(
        (args.shared / "corpus" / "external" / "real_speech").glob("*.wav"))]) \
        if args.tv is not None else None
    for path in calls:
        channels = _decode(path)
        if args.echo is not None:
            channels = with_echo(channels, args.echo, args.echo_ms)
        if behind is not None:
            channels[1] = with_background_voice(channels[1], behind, args.tv, rng)
        if args.quiet:
            x = np.stack(channels, axis=1)
            x = x / max(1.0, float(np.abs(x).max()))
        else:
            x = noisy_copy(channels, talkers, rng)
        with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
            with wave.open(tmp.name, "wb") as out:
                out.setnchannels(x.shape[1])
                out.setsampwidth(2)
                out.setframerate(RATE)
                out.writeframes((x * 32767).astype("<i2").tobytes())
            subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", tmp.name, "-ar", "8000",
                            "-c:a", "pcm_alaw", str(args.out / path.name)], check=True)
        timeline = json.loads((path.parent / f"{path.stem}.timeline.json").read_text())
        if args.echo is not None:
            timeline["condition"] += (f", the other side's voice {args.echo:g} dB down, "
                                      f"{args.echo_ms:g} ms late")
        if args.tv is not None:
            timeline["condition"] += f", a real voice behind the customer {args.tv:g} dB"
        if not args.quiet:
            timeline["condition"] += f", pink noise and babble {SNR_DB:g} dB"
        timeline["condition"] += " (bench/noisy_calls.py)"
        (args.out / f"{path.stem}.timeline.json").write_text(
            json.dumps(timeline, ensure_ascii=False, indent=1))
        log.info("%s", path.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
