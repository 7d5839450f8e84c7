"""Robustness of the text analyzer to the kinds of variation the held-out corpus has.

Every labelled row of ``shared/corpus/dev_utterances.jsonl`` is varied ``--per-row`` times
by each of these, and checked; precision and recall over (row, ref) pairs count against
the row's labels, as ``score_text.py`` counts them:

- ``homophone1`` / ``homophone2``: one / two Chinese characters replaced by another common
  character of the same toneless pinyin (what Whisper does: 宽代 for 宽带);
- ``traditional``: the row in traditional characters (OpenCC s2t, as Whisper often writes);
- ``lead_in``: a lead-in before the row (好的, / 那个, / 嗯那个, / 师傅这边,);
- ``clause_filler``: a filler word (那个 / 这个 / 就是 / 嗯) after one of the row's commas
  or stops, where speakers put them (rows without one get it in front);
- ``drop1``: one Chinese character dropped from rows of 8 or more (ASR drops syllables).

The rows with no labels stay in: their variants must stay clean. The variation is random
but seeded, the same for every run. Nothing here feeds the analyzer's settings; it reports.

usage: python bench/robust_bench.py [--per-row 5] [--seed 7] [--shared ../shared] [--out bench/out]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("bench.robust")
ROOT = Path(__file__).resolve().parent.parent
_HAN = ("\u4e00", "\u9fff")
_STOPS = ",，。?？!！、"


def _is_han(c: str) -> bool:
    return _HAN[0] <= c <= _HAN[1]


def variations(rnd: random.Random, common: dict[str, list[str]], s2t: Callable[[str], str],
               pinyin: Callable[[str], str]) -> dict[str, Callable[[str], str]]:
    """The variations by name; ``common``: toneless pinyin -> common characters."""

    def homophone(text: str, k: int) -> str:
        chars = list(text)
        idx = [i for i, c in enumerate(chars) if _is_han(c)]
        for i in rnd.sample(idx, min(k, len(idx))):
            alts = [c for c in common.get(pinyin(chars[i]), []) if c != chars[i]]
            if alts:
                chars[i] = rnd.choice(alts)
        return "".join(chars)

    def clause_filler(text: str) -> str:
        cuts = [i + 1 for i, c in enumerate(text[:-1]) if c in _STOPS] or [0]
        i = rnd.choice(cuts)
        return text[:i] + rnd.choice(["那个", "这个", "就是", "嗯"]) + text[i:]

    def drop1(text: str) -> str:
        idx = [i for i, c in enumerate(text) if _is_han(c)]
        if len(idx) < 8:
            return text
        i = rnd.choice(idx)
        return text[:i] + text[i + 1:]

    return {
        "homophone1": lambda t: homophone(t, 1),
        "homophone2": lambda t: homophone(t, 2),
        "traditional": s2t,
        "lead_in": lambda t: rnd.choice(["好的,", "那个,", "嗯那个,", "师傅这边,"]) + t,
        "clause_filler": clause_filler,
        "drop1": drop1,
    }


def run(shared: Path, per_row: int, seed: int) -> dict[str, object]:
    import opencc
    from pypinyin import Style, lazy_pinyin

    from analyzer import Analyzer

    an = Analyzer.load()
    rows = [json.loads(x) for x in
            (shared / "corpus" / "dev_utterances.jsonl").read_text(encoding="utf-8").splitlines()]

    def pinyin(c: str) -> str:
        return str(lazy_pinyin(c, style=Style.NORMAL)[0])

    # Common characters: single-character words of jieba's dictionary seen often enough.
    common: dict[str, list[str]] = defaultdict(list)
    freq = an.segmenter._tok.FREQ
    for w in sorted(w for w, f in freq.items() if len(w) == 1 and f > 2000 and _is_han(w)):
        common[pinyin(w)].append(w)
    rnd = random.Random(seed)
    out: dict[str, object] = {"per_row": per_row, "seed": seed, "rows": len(rows)}
    for name, vary in variations(rnd, common, opencc.OpenCC("s2t").convert, pinyin).items():
        tp = fp = fn = 0
        wrong: dict[tuple[str, str], list[str]] = {}
        for r in rows:
            gold = set(r["refs"])
            for _ in range(per_row):
                text = vary(r["text"])
                got = {f.ref for f in an.check(text, speaker=r["speaker"])}
                tp += len(got & gold)
                fp += len(got - gold)
                fn += len(gold - got)
                if got != gold:
                    wrong[(r["id"], text)] = sorted(got)
        out[name] = {"precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
                     "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0,
                     "wrong": [{"id": i, "text": t, "got": g} for (i, t), g in wrong.items()]}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-row", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    res = run(args.shared, args.per_row, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "robust_bench.json"
    path.write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    for name, v in res.items():
        if isinstance(v, dict):
            log.info("%-14s P %.3f R %.3f  (%d varied rows flagged differently from labels)",
                     name, v["precision"], v["recall"], len(v["wrong"]))
    log.info("written %s", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
