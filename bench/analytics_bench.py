"""Call analytics against the v2 recordings' timelines (issue: call analytics).

For every recording of ``corpus/v2/audio/interruptions`` and ``corpus/v2/audio/dialogues``
(each with its ``ID.timeline.json``: every turn's start and end in the mixed file), runs the
default pipeline (``SpeechPipeline.analyze``, as ``huashu analyze``) and compares:

- agent and customer interruptions with the timeline's (an agent turn that starts at least
  0.3 s before the end of a customer turn of at least 1 s that started before it; the same
  with the roles swapped), matched within ``--tolerance`` seconds of the turn's start:
  precision and recall, stereo and mono apart;
- back-channels (customer turns under 1 s over agent speech) reported as interruptions:
  must be none;
- talk time per speaker against the timeline's turns (their ``parts`` where a turn was said
  in two breaths): relative error, and how many figures lie within the issue's bounds
  (``talk_within_target``: 5% stereo, 10% in one channel);
- raised voice (the timeline's ``raised`` turns) against the raised-voice observations
  (``hit``: raised turns with an observation; ``found_right``: observations lying mostly
  in a raised turn, two where the recogniser wrote the turn as two utterances);
- the silences of at least ``long_silence_s`` against the timeline's;
- cost: the analytics step's time as a share of the recording's whole analysis.

With ``--mixdown``, each stereo call is also analysed with its two channels mixed into one
(a mono recording whose overlaps are real, of two telephone voices), and reported apart as
``mixdown``: a check that the mono figures carry beyond the badge recordings. The mono
one-voice bar (``DiarizeOptions.same_voice``) was set with these mixes in view, so they
are no longer an unseen check of speaker attribution; ``bench/synth_badge_visits.py``
makes new visits that are.

With ``--dir FOLDER`` (repeatable) the recordings of that folder are measured instead of
the corpus's: timelines of the same form, such as the visits of
``bench/synth_badge_visits.py --overlaps``, which no threshold here was set on. The
output then goes to ``bench/out/analytics_bench_dirs.json``, beside the corpus's figures.

    python bench/analytics_bench.py [--tolerance 0.5] [--set interruptions,dialogues] [--mixdown]
    python bench/analytics_bench.py --dir OUT/clean --dir OUT/noisy

Writes ``bench/out/analytics_bench.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HUASHU_SHARED", ROOT.parent / "shared"))
OUT = ROOT / "bench" / "out"
log = logging.getLogger("bench.analytics")
# the talk-time targets: within 5% of the timeline in stereo, 10% in one channel
STEREO_TALK_BOUND, MONO_TALK_BOUND = 0.05, 0.10


def _spans(turn: dict[str, Any]) -> list[tuple[float, float]]:
    return [tuple(p) for p in turn.get("parts") or [(turn["start"], turn["end"])]]  # type: ignore[misc]


def _merged_length(spans: list[tuple[float, float]]) -> float:
    total, cur_s, cur_e = 0.0, None, None
    for s, e in sorted(spans):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s  # type: ignore[operator]
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s  # type: ignore[operator]
    return total


def truth(timeline: dict[str, Any]) -> dict[str, Any]:
    """Events that follow from the timeline's times (its README's definitions)."""
    turns = timeline["turns"]
    events: dict[str, list[float]] = {"agent": [], "customer": [], "backchannel": []}
    for i, t in enumerate(turns):
        for o in turns[:i]:
            if o["speaker"] == t["speaker"]:
                continue
            if t["speaker"] == "customer" and t["end"] - t["start"] < 1.0 and \
                    o["start"] < t["start"] < o["end"]:
                events["backchannel"].append(t["start"])
                break
            if o["start"] < t["start"] and o["end"] - o["start"] >= 1.0 and \
                    o["end"] - t["start"] >= 0.3:
                events[t["speaker"]].append(t["start"])
                break
    talk = {sp: _merged_length([s for t in turns if t["speaker"] == sp for s in _spans(t)])
            for sp in ("agent", "customer")}
    every = sorted(s for t in turns for s in _spans(t))
    silences = []
    end = every[0][1] if every else 0.0
    for s, e in every[1:]:
        if s - end >= 3.0:
            silences.append((end, s))
        end = max(end, e)
    raised = [(t["start"], t["end"]) for t in turns if t.get("raised")]
    return {"interruptions": events, "talk": talk, "silences": silences, "raised": raised}


def _match(pred: list[float], gold: list[float], tol: float) -> int:
    used: set[int] = set()
    hit = 0
    for p in pred:
        k = next((j for j, g in enumerate(gold) if j not in used and abs(p - g) <= tol), None)
        if k is not None:
            used.add(k)
            hit += 1
    return hit


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tolerance", type=float, default=0.5)
    ap.add_argument("--set", default="interruptions,dialogues")
    ap.add_argument("--dir", type=Path, action="append", default=[],
                    help="a folder of recordings with ID.timeline.json, instead of the corpus's")
    ap.add_argument("--keep", type=Path,
                    help="also write each recording's result there as ID.json (to read the "
                         "misses against the timeline)")
    ap.add_argument("--mixdown", action="store_true",
                    help="also analyse each stereo call mixed into one channel")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.path.insert(0, str(ROOT))
    from analyzer.audio import decode, write_wav
    from huashu.compose import load_speech_pipeline
    from huashu.config import get_settings

    pipeline = load_speech_pipeline(get_settings())
    rows = []
    work = tempfile.TemporaryDirectory(prefix="huashu-mixdown-")
    todo: list[tuple[str, dict[str, Any], Path, bool]] = []  # set, timeline, audio, mixed
    folders = [(d.name, d) for d in args.dir] or [
        (name, SHARED / "corpus" / "v2" / "audio" / name) for name in args.set.split(",")]
    for name, folder in folders:
        for tl_path in sorted(folder.glob("*.timeline.json")):
            tl = json.loads(tl_path.read_text())
            todo.append((name, tl, folder / tl["audio"], False))
            if args.mixdown and tl.get("channels") != "mono":
                channels = decode(folder / tl["audio"])
                if len(channels) == 2:
                    # one folder per set: the clean and noisy copies of a call share its id
                    one = Path(work.name) / name / f"{tl['id']}.wav"
                    one.parent.mkdir(exist_ok=True)
                    write_wav(one, [(channels[0] + channels[1]) / 2])
                    todo.append((name, tl, one, True))
    for name, tl, audio, mixed in todo:
        t0 = time.perf_counter()
        res = pipeline.analyze(audio)
        wall = time.perf_counter() - t0
        if args.keep is not None:
            kept = args.keep / name / f"{tl['id']}{'.mixdown' if mixed else ''}.json"
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_text(json.dumps(res.to_dict(), ensure_ascii=False, default=str))
        an = res.analytics
        gold = truth(tl)
        pred = {"agent": [i["at"] for i in an["interruptions"] if i["by"] == "agent"],
                "customer": [i["at"] for i in an["interruptions"] if i["by"] == "customer"]}
        all_pred = pred["agent"] + pred["customer"]
        utt = res.utterances
        raised_pred = [(utt[o["utterance"]]["start"], utt[o["utterance"]]["end"])
                       for o in an["observations"] if o["kind"] == "raised_voice"]
        row = {
            "id": tl["id"], "set": name, "stereo": res.channels == 2, "mixdown": mixed,
            "agent_pred": len(pred["agent"]), "agent_gold": len(gold["interruptions"]["agent"]),
            "agent_hit": _match(pred["agent"], gold["interruptions"]["agent"], args.tolerance),
            "customer_pred": len(pred["customer"]),
            "customer_gold": len(gold["interruptions"]["customer"]),
            "customer_hit": _match(pred["customer"], gold["interruptions"]["customer"],
                                   args.tolerance),
            "backchannels_gold": len(gold["interruptions"]["backchannel"]),
            "backchannels_as_interruptions": _match(
                all_pred, gold["interruptions"]["backchannel"], args.tolerance),
            "talk_error": {sp: round((an["talk_s"][sp] - gold["talk"][sp])
                                     / gold["talk"][sp], 3) if gold["talk"][sp] else None
                           for sp in ("agent", "customer")},
            "raised_gold": len(gold["raised"]),
            "raised_pred": len(raised_pred),
            "raised_hit": sum(1 for g in gold["raised"] if any(
                min(g[1], p[1]) - max(g[0], p[0]) > 0 for p in raised_pred)),
            # observations that lie (mostly) in a raised turn: a turn the recogniser wrote
            # as two utterances is two observations, both right
            "raised_pred_right": sum(1 for p in raised_pred if any(
                min(g[1], p[1]) - max(g[0], p[0]) >= (p[1] - p[0]) / 2
                for g in gold["raised"])),
            "silences_gold": len(gold["silences"]),
            "silences_pred": len(an["long_silences"]),
            "silences_hit": _match([s["start"] for s in an["long_silences"]],
                                   [s for s, _ in gold["silences"]], 1.0),
            "analytics_s": res.timing.get("analytics_s", 0.0), "wall_s": round(wall, 3),
        }
        log.info("%s", row)
        rows.append(row)

    def totals(sel: list[dict[str, Any]], bound: float) -> dict[str, Any]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 3) if b else None

        s = {k: sum(r[k] for r in sel) for k in (
            "agent_pred", "agent_gold", "agent_hit", "customer_pred", "customer_gold",
            "customer_hit", "backchannels_gold", "backchannels_as_interruptions",
            "raised_gold", "raised_pred", "raised_hit", "raised_pred_right", "silences_gold", "silences_pred",
            "silences_hit")}
        errs = {sp: [abs(r["talk_error"][sp]) for r in sel if r["talk_error"][sp] is not None]
                for sp in ("agent", "customer")}
        return {
            "recordings": len(sel),
            "agent_interruptions": {"precision": ratio(s["agent_hit"], s["agent_pred"]),
                                    "recall": ratio(s["agent_hit"], s["agent_gold"]),
                                    "found": s["agent_pred"], "gold": s["agent_gold"]},
            "customer_interruptions": {"precision": ratio(s["customer_hit"], s["customer_pred"]),
                                       "recall": ratio(s["customer_hit"], s["customer_gold"]),
                                       "found": s["customer_pred"], "gold": s["customer_gold"]},
            "backchannels": s["backchannels_gold"],
            "backchannels_counted_as_interruptions": s["backchannels_as_interruptions"],
            "talk_error_max": {sp: round(max(v), 3) if v else None for sp, v in errs.items()},
            "talk_error_mean": {sp: round(sum(v) / len(v), 3) if v else None
                                for sp, v in errs.items()},
            # the target: each speaker's talk time within this share of the timeline
            "talk_within_target": {"bound": bound, **{
                sp: f"{sum(1 for e in v if e <= bound)} of {len(v)}" for sp, v in errs.items()}},
            "raised_voice": {"gold": s["raised_gold"], "found": s["raised_pred"],
                             "hit": s["raised_hit"], "found_right": s["raised_pred_right"]},
            "long_silences": {"gold": s["silences_gold"], "found": s["silences_pred"],
                              "hit": s["silences_hit"]},
            "analytics_share_of_wall": round(sum(r["analytics_s"] for r in sel)
                                             / max(sum(r["wall_s"] for r in sel), 1e-9), 4),
        }

    out = {"tolerance_s": args.tolerance,
           "stereo": totals([r for r in rows if r["stereo"]], STEREO_TALK_BOUND),
           "mono": totals([r for r in rows if not r["stereo"] and not r["mixdown"]],
                          MONO_TALK_BOUND),
           **({"mixdown": totals([r for r in rows if r["mixdown"]], MONO_TALK_BOUND)}
              if args.mixdown else {}),
           "recordings": rows}
    work.cleanup()
    OUT.mkdir(parents=True, exist_ok=True)
    written = OUT / ("analytics_bench_dirs.json" if args.dir else "analytics_bench.json")
    written.write_text(json.dumps(out, indent=1, ensure_ascii=False))
    print(json.dumps({k: out[k] for k in ("stereo", "mono", "mixdown") if k in out}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
