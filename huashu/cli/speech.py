"""``huashu analyze``: recordings in, one analysis per recording out (JSON Lines/text/VTT)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from phrasebank import CHANNELS

from ..words import LANGS, Words

__all__ = ["register", "to_text", "to_vtt", "vtt_header"]

log = logging.getLogger("huashu.analyze")


def _ts(t: float) -> str:
    h, rem = divmod(max(0.0, t), 3600)
    m, s = divmod(rem, 60)
    return f"{int(h):02d}:{int(m):02d}:{s:06.3f}"


def vtt_header() -> str:
    """The one ``WEBVTT`` line that starts a stream of any number of recordings' cues."""
    return "WEBVTT\n"


def to_vtt(result: dict[str, Any], words: Words | None = None) -> str:
    """A recording's WebVTT cues (without the header: :func:`vtt_header` comes once per
    stream): a NOTE naming the recording, then one cue per utterance, its flags as a NOTE
    before it."""
    w = words or Words()
    lines = ["", f"NOTE {result['source']} {w('scenario')} {w.scenario(result['scenario'])} "
             f"{w('score')} {w.score(result['score'])} phrasebank {result['phrasebank_version']}",
             ""]
    analytics = result.get("analytics") or {}
    lines += [f"NOTE {line.replace('-->', '→')}\n" for line in w.analytics_summary(analytics)]
    # each interruption and long silence as a NOTE where it happens
    events = sorted(w.analytics_events(analytics, _ts))
    for i, u in enumerate(result["utterances"], 1):
        while events and events[0][0] <= u["start"]:
            lines += [f"NOTE {events.pop(0)[1].replace('-->', '→')}", ""]
        if u["flags"]:
            notes = "; ".join(f"{w.code('kind', f['kind'])} {w.ref(f['ref'])} 「{f['matched']}」"
                              + (f" {w('reading')}「{f['reading']}」" if f.get("reading") else "")
                              for f in u["flags"])
            behind = f" ({w('heard_behind')})" if u.get("heard_behind") else ""
            lines += [f"NOTE flags{behind}: {notes.replace('-->', '→')}", ""]
        lines += [str(i), f"{_ts(u['start'])} --> {_ts(u['end'])}",
                  f"<v {u['speaker']}>{u['text']}", ""]
    lines += [f"NOTE {text.replace('-->', '→')}\n" for _, text in events]
    return "\n".join(lines)


def to_text(result: dict[str, Any], words: Words | None = None) -> str:
    """A readable report of a result."""
    w = words or Words()
    speakers = w("stereo") if result["speakers"] == "stereo" else w("inferred_speakers")
    out = [w("recording", source=result["source"], duration=result["duration"],
             channels=result["channels"], speakers=speakers,
             scenario=w.scenario(result["scenario"]), score=w.score(result["score"]))]
    for u in result["utterances"]:
        flags = ", ".join(w.ref(f["ref"]) for f in u["flags"])
        out.append(f"  [{u['start']:7.2f}-{u['end']:7.2f}] {w.code('speaker', u['speaker'])}  "
                   f"{u['text']}" + (f"   ⟵ {flags}" if flags else "") +
                   (f"   ({w('heard_behind')})" if u.get("heard_behind") else ""))
        if u.get("reading"):  # decoded again alone (analyzer.reread)
            out.append(f"  {'':17} {w('reading')}: {u['reading']['text']}")
    for d in result["deductions"]:
        out.append(f"  {w.deduction(d)}")
    out += [f"  {line}" for line in w.analytics(result.get("analytics") or {})]
    return "\n".join(out)


def cmd_analyze(args: argparse.Namespace) -> int:
    from analyzer.errors import AnalysisFailure
    from analyzer.speech import analyze_recording

    from ..compose import load_speech_pipeline
    from ..config import get_settings

    pipeline = load_speech_pipeline(get_settings())
    words = Words(args.lang, pipeline.analyzer.bank)
    failed = 0
    if args.format == "vtt":
        sys.stdout.write(vtt_header())
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
            if args.format == "jsonl":  # the failure in its place among the results
                sys.stdout.write(json.dumps({"source": str(path), **result.to_dict()},
                                            ensure_ascii=False) + "\n")
            elif args.format == "vtt":
                sys.stdout.write(f"\nNOTE {path}: {result.message}\n")
            sys.stdout.flush()
            continue
        d = result.to_dict()
        if args.format == "jsonl":
            sys.stdout.write(json.dumps(d, ensure_ascii=False) + "\n")
        elif args.format == "vtt":
            sys.stdout.write(to_vtt(d, words) + "\n")
        else:
            sys.stdout.write(to_text(d, words) + "\n")
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
    a.add_argument("--lang", default="zh", choices=LANGS,
                   help="language of the text and vtt output (default zh: 中文)")
    a.set_defaults(func=cmd_analyze)
