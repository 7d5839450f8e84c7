"""``huashu analyze``: recordings in, one analysis per recording out (JSON Lines/text/VTT)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from phrasebank import CHANNELS

__all__ = ["register", "to_vtt", "to_text"]

log = logging.getLogger("huashu.analyze")


def _ts(t: float) -> str:
    h, rem = divmod(max(0.0, t), 3600)
    m, s = divmod(rem, 60)
    return f"{int(h):02d}:{int(m):02d}:{s:06.3f}"


def to_vtt(result: dict[str, Any]) -> str:
    """WebVTT of a result: one cue per utterance, its flags as a NOTE before it."""
    lines = ["WEBVTT", "", f"NOTE {result['source']} scenario {result['scenario']} "
             f"score {result['score']} phrasebank {result['phrasebank_version']}", ""]
    for i, u in enumerate(result["utterances"], 1):
        if u["flags"]:
            notes = "; ".join(f"{f['kind']} {f['ref']} 「{f['matched']}」" for f in u["flags"])
            lines += [f"NOTE flags: {notes.replace('-->', '→')}", ""]
        lines += [str(i), f"{_ts(u['start'])} --> {_ts(u['end'])}",
                  f"<v {u['speaker']}>{u['text']}", ""]
    return "\n".join(lines)


def to_text(result: dict[str, Any]) -> str:
    """A readable report of a result."""
    out = [f"{result['source']}: {result['duration']:.1f}s, {result['channels']} channel(s), "
           f"speakers {result['speakers']}, scenario {result['scenario']}, "
           f"score {result['score']}/100"]
    for u in result["utterances"]:
        flags = ", ".join(f"{f['ref']}" for f in u["flags"])
        out.append(f"  [{u['start']:7.2f}-{u['end']:7.2f}] {u['speaker']:<8} {u['text']}"
                   + (f"   ⟵ {flags}" if flags else ""))
    for d in result["deductions"]:
        where = f"turn {d['turn']}" if d["turn"] is not None else "no utterance"
        out.append(f"  -{d['points']} {d['reason']} ({where}): {d['detail']}")
    return "\n".join(out)


def cmd_analyze(args: argparse.Namespace) -> int:
    from analyzer.errors import AnalysisFailure
    from analyzer.speech import analyze_recording

    from ..compose import load_speech_pipeline
    from ..config import get_settings

    pipeline = load_speech_pipeline(get_settings())
    failed = 0
    show = sys.stderr.isatty()
    for path in args.files:
        bar = None
        progress = None
        if show:
            from tqdm import tqdm

            bar = tqdm(total=100, desc=str(path)[-40:], unit="%", leave=False, file=sys.stderr)

            def progress(frac: float, bar: Any = bar) -> None:
                bar.update(round(frac * 100) - bar.n)
        try:
            result = analyze_recording(pipeline, path, scenario=args.scenario,
                                       agent_channel=args.agent_channel, progress=progress)
        finally:
            if bar is not None:
                bar.close()
        if isinstance(result, AnalysisFailure):
            failed += 1
            log.error("%s", result.message)
            continue
        d = result.to_dict()
        if args.format == "jsonl":
            sys.stdout.write(json.dumps(d, ensure_ascii=False) + "\n")
        elif args.format == "vtt":
            sys.stdout.write(to_vtt(d) + "\n")
        else:
            sys.stdout.write(to_text(d) + "\n")
        sys.stdout.flush()
        log.info("%s: %d utterances, score %s, %d violation(s) in %.1fs", path,
                 len(d["utterances"]), d["score"], len(d["violations"]),
                 sum(d["timing"].values()))
    if failed:
        log.error("%d of %d recording(s) failed", failed, len(args.files))
    return 1 if failed else 0


def register(sub: Any) -> None:
    """Add ``analyze`` to the ``huashu`` command line."""
    a = sub.add_parser("analyze", help="transcribe and check recordings")
    a.add_argument("files", nargs="+", metavar="FILE")
    a.add_argument("--scenario", help="scenario (default: inferred)")
    a.add_argument("--agent-channel", default="left", choices=CHANNELS,
                   help="the agent's channel in stereo recordings")
    a.add_argument("--format", default="jsonl", choices=("jsonl", "text", "vtt"))
    a.set_defaults(func=cmd_analyze)
