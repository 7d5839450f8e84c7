"""The speaker encoder: Resemblyzer's weights read from its wheel without torch, refusing
anything but tensors, and embeddings that tell two real voices apart."""

from __future__ import annotations

import io
import json
import pickle

import numpy as np
import pytest

from analyzer.audio import SAMPLE_RATE, decode
from models.speaker import (
    SpeakerModelError,
    VoiceEncoder,
    encoder_weights_path,
    read_legacy_torch,
)


@pytest.fixture(scope="module")
def encoder() -> VoiceEncoder:
    return VoiceEncoder.load()


def test_the_weights_are_the_wheels_and_have_the_networks_shapes() -> None:
    weights = read_legacy_torch(encoder_weights_path())["model_state"]
    assert weights["lstm.weight_ih_l0"].shape == (1024, 40)
    assert weights["lstm.weight_hh_l2"].shape == (1024, 256)
    assert weights["linear.weight"].shape == (256, 256)
    assert all(np.isfinite(w).all() for w in weights.values())


class _Evil:
    def __reduce__(self):  # what a hostile checkpoint would hold
        return (print, ("pwned",))


def test_a_checkpoint_holding_code_is_refused(tmp_path) -> None:
    buf = io.BytesIO()
    for part in (0x1950A86A20F9469CFC6C, 1001, {}):
        pickle.dump(part, buf, protocol=2)
    pickle.dump({"model_state": _Evil()}, buf, protocol=2)
    path = tmp_path / "evil.pt"
    path.write_bytes(buf.getvalue())
    with pytest.raises(pickle.UnpicklingError, match="refused"):
        read_legacy_torch(path)
    with pytest.raises(SpeakerModelError, match="cannot be read"):
        VoiceEncoder.load(path)
    truncated = tmp_path / "short.pt"
    truncated.write_bytes(encoder_weights_path().read_bytes()[:5000])
    with pytest.raises(SpeakerModelError):
        VoiceEncoder.load(truncated)


def test_mel_frames_are_librosas_shape(encoder: VoiceEncoder) -> None:
    one_second = np.sin(2 * np.pi * 440 * np.arange(SAMPLE_RATE) / SAMPLE_RATE)
    mel = encoder.mel_frames(one_second.astype(np.float32))
    assert mel.shape == (101, 40)  # centred frames every 10 ms
    # a 440 Hz tone: its energy sits in the bands around 440 Hz, not the top ones
    assert mel[50].argmax() < 12 and mel[50, 30:].sum() < 1e-3 * mel[50].sum()


def test_two_real_voices_are_told_apart(encoder: VoiceEncoder, shared) -> None:
    folder = shared / "corpus" / "v2" / "audio" / "dialogues"
    tl = json.loads((folder / "v2dd03.timeline.json").read_text(encoding="utf-8"))
    audio = decode(folder / tl["audio"])[0]
    turns = [t for t in tl["turns"] if t["end"] - t["start"] >= 1.5]
    emb = encoder.embed_many([audio[int(t["start"] * SAMPLE_RATE): int(t["end"] * SAMPLE_RATE)]
                              for t in turns])
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-4)
    sims = emb @ emb.T
    who = [t["speaker"] for t in turns]
    same = [sims[i, j] for i in range(len(who)) for j in range(i) if who[i] == who[j]]
    diff = [sims[i, j] for i in range(len(who)) for j in range(i) if who[i] != who[j]]
    assert same and diff and np.mean(same) > np.mean(diff) + 0.15


def test_short_windows_lean_to_their_own_voice_batched_or_not(encoder: VoiceEncoder,
                                                              shared) -> None:
    """1 s windows (padded with silence to the encoder's 1.6 s) of two real voices: each
    lies nearer its own voice's turns than the other's, and embedding several pieces in one
    batch gives what each alone gives."""
    folder = shared / "corpus" / "v2" / "audio" / "dialogues"
    tl = json.loads((folder / "v2dd03.timeline.json").read_text(encoding="utf-8"))
    audio = decode(folder / tl["audio"])[0]
    turns = [t for t in tl["turns"] if t["end"] - t["start"] >= 2.5]
    pieces = [audio[int(t["start"] * SAMPLE_RATE): int(t["end"] * SAMPLE_RATE)] for t in turns]
    whole = encoder.embed_many(pieces)
    voice = {sp: whole[[t["speaker"] == sp for t in turns]].sum(axis=0)
             for sp in ("agent", "customer")}
    voice = {sp: v / np.linalg.norm(v) for sp, v in voice.items()}  # unit, as centroids are
    many, window_s = encoder.embed_windows_many(pieces, hop_frames=40, window_frames=100)
    assert window_s == 1.0 and len(many) == len(pieces)
    lean: dict[str, list[float]] = {"agent": [], "customer": []}
    for t, piece, got in zip(turns, pieces, many, strict=True):
        # windows start every 0.4 s while a whole 1 s fits
        assert len(got) == (len(piece) // 160 + 1 - 100) // 40 + 1
        assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
        lean[t["speaker"]].extend((got @ (voice["agent"] - voice["customer"])).tolist())
    # as analyzer.diarize.edge_changes reads them: the voices' windows lie apart by more
    # than it asks (edge_min_separation), and most lie on their own side of the middle
    agent, customer = (np.asarray(lean[sp]) for sp in ("agent", "customer"))
    middle = (agent.mean() + customer.mean()) / 2
    assert agent.mean() - customer.mean() >= 0.15
    right = (agent > middle).sum() + (customer < middle).sum()
    assert right / (agent.size + customer.size) >= 0.9
    alone, _ = encoder.embed_windows(pieces[1], hop_frames=40, window_frames=100)
    assert np.allclose(alone, many[1], atol=1e-5)
    with pytest.raises(ValueError, match="window_frames"):
        encoder.embed_windows(pieces[0], window_frames=161)
