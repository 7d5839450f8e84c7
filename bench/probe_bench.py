"""Probe sentences written by the developers, beside the corpus: do the matcher's rules and
checks carry over to sentences that are not dev rows?

``bench/probes.jsonl`` holds 343 utterances, each with ``refs``: the refs any one of which
a flag must carry (a taboo, a discipline line, a script line), or ``[]`` for an innocent
utterance (no violation may be flagged; a customer's own words among them). The sets say
how far each is from an unseen check, since some were used to choose rules:

- A, C: taboos and look-alikes whose misses chose new rules and checks (tuned on);
- B: written after the negation and clause checks, aimed at them; D: written after the
  rules chosen on C, aimed at them (written knowing the rules);
- E: taboos, look-alikes and customer words written before that round; its two misses
  then became rules;
- F: innocent service talk, two look-alikes of which became guards; G: more, written
  after (the nearest to unseen here);
- H: script paraphrases, two misses of which became rules; I: more, written after.

The uncivil-speech model (``models/uncivil.py``) is trained on these sentences too, so the
semantic figures on them are not unseen; its own sets (J-M to train, N held out) are in
``models/data/`` and ``bench/train_uncivil.py`` measures it.

Each row is checked with ``huashu check --jsonl`` as typed and as a recogniser's text
(``--source``), and with ``--semantic`` for the script sets. Per set: violations found,
innocent rows given a violation flag, script lines found, and each miss. With ``--against
DIR`` (a checkout of another revision, e.g. ``git worktree add DIR REV``) that revision is
measured the same way in the same run.

usage: python bench/probe_bench.py [--out bench/out] [--against DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger("bench.probe")
ROOT = Path(__file__).resolve().parent.parent
PROBES = ROOT / "bench" / "probes.jsonl"


def _check(checkout: Path, rows_path: Path, source: str, semantic: bool) -> dict[str, Any]:
    """``huashu check --jsonl`` of ``checkout`` (its own virtual environment's Python, else
    this one) over the rows: id -> its flags."""
    python = checkout / ".venv" / "bin" / "python"
    exe = str(python) if python.exists() else sys.executable
    cmd = [exe, "-m", "huashu", "--log-level", "WARNING", "check", "--source", source,
           "--jsonl", str(rows_path)] + (["--semantic"] if semantic else [])
    p = subprocess.run(cmd, cwd=checkout, capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONPATH": str(checkout)})
    return {r["id"]: r.get("flags", []) for r in map(json.loads, p.stdout.splitlines())}


def _score(rows: list[dict[str, Any]], flags: dict[str, Any]) -> dict[str, Any]:
    """Per set: violation rows found, innocent rows flagged, script rows found, misses."""
    out: dict[str, Any] = {}
    for r in rows:
        s = out.setdefault(r["set"], {"violations": 0, "violations_found": 0, "innocent": 0,
                                      "innocent_flagged": 0, "script": 0, "script_found": 0,
                                      "misses": []})
        refs = [f["ref"] for f in flags.get(r["id"], [])]
        violations = [x for x in refs if x.split(".")[0] in ("8", "9")]
        if not r["refs"]:
            s["innocent"] += 1
            if violations:
                s["innocent_flagged"] += 1
                s["misses"].append(f"flagged {violations}: {r['text']}")
            continue
        kind = "violations" if r["refs"][0].split(".")[0] in ("8", "9") else "script"
        s[kind] += 1
        if set(r["refs"]) & set(refs):
            s[f"{kind}_found"] += 1
        else:
            s["misses"].append(f"missed {r['refs']}: {r['text']} (got {refs})")
    return out


def measure(checkout: Path) -> dict[str, Any]:
    rows = [json.loads(x) for x in PROBES.read_text(encoding="utf-8").splitlines()]
    res: dict[str, Any] = {}
    for source in ("typed", "asr"):
        res[source] = _score(rows, _check(checkout, PROBES, source, semantic=False))
    script = [r for r in rows if r["set"] in ("H", "I")]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False,
                                     encoding="utf-8") as f:
        f.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in script))
    try:
        res["typed_semantic"] = _score(script, _check(checkout, Path(f.name), "typed",
                                                      semantic=True))
    finally:
        os.unlink(f.name)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--against", type=Path, default=None,
                    help="a checkout of another revision, measured in the same run")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    result = {"this": measure(ROOT)}
    if args.against is not None:
        result["against"] = measure(args.against.resolve())
    for who, res in result.items():
        for how, sets in res.items():
            for name, s in sorted(sets.items()):
                log.info("%s %s set %s: violations %d/%d, innocent flagged %d/%d, script %d/%d",
                         who, how, name, s["violations_found"], s["violations"],
                         s["innocent_flagged"], s["innocent"], s["script_found"], s["script"])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "probe_bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=1),
                                               encoding="utf-8")
    log.info("written %s", args.out / "probe_bench.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
