"""Benchmark of the text analyzer (issue: text analyzer targets).

Measures, in one run:
- accuracy of ``huashu check --jsonl`` on the dev corpora v1 and v2 (clean and ASR), scored by
  ``shared/tools/score_text.py`` and per row ``kind``, with and without ``--semantic``, and
  of ``huashu score --jsonl`` on the dev dialogues (``score_dialogues.py``); the naive
  matcher's accuracy beside it on v1;
- the semantic stage apart: the share of utterances that reach it, its speed;
- real comments (COLD dev): the label-0 rows that get a violation flag, listed for reading;
- speed: ``huashu check --jsonl`` on 20,000 utterances, pinned to one core, against the
  naive matcher (rapidfuzz ``partial_ratio`` of the raw text against every line of the
  standard, cutoff 80 — the matcher whose ASR recall the issue quotes as 0.29 / 0.19)
  run the same way in the same run, the two alternating; each program times its rows
  itself (start-up excluded: it is the load target below), the median of the runs counts;
- load time: phrasebank load + jieba init (``Analyzer.load``) in a fresh process.

With ``--against DIR`` (a checkout of another revision, e.g. made by ``git worktree add
DIR REV``), that revision's ``check --jsonl`` is timed in the same run, alternating with this
one and the naive matcher: how a change moved the throughput, measured on the same machine
at the same time.

usage: python bench/text_bench.py [--n 20000] [--shared ../shared] [--out bench/out]
                                  [--against DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

log = logging.getLogger("bench.text")
ROOT = Path(__file__).resolve().parent.parent

NAIVE = r'''
import json, sys, time
from rapidfuzz import fuzz
import phrasebank
lines = [(e.ref, e.kind, e.text) for e in phrasebank.load().entries]
out = sys.stdout
t0 = time.perf_counter()
n = 0
for row in map(json.loads, open(sys.argv[1], encoding="utf-8")):
    t = row["text"]
    flags = [{"ref": r, "kind": k} for r, k, line in lines if fuzz.partial_ratio(t, line) >= 80]
    out.write(json.dumps({"id": row["id"], "flags": flags}, ensure_ascii=False) + "\n")
    n += 1
out.flush()
dt = time.perf_counter() - t0
sys.stderr.write(f"checked {n} rows in {dt:.3f} s\n")
'''


def _scorer(shared: Path, name: str):  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, shared / "tools" / f"{name}.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _huashu() -> list[str]:
    exe = shutil.which("huashu", path=str(Path(sys.executable).parent)) or shutil.which("huashu")
    return [exe] if exe else [sys.executable, "-m", "huashu"]


def _pin() -> list[str]:
    return ["taskset", "-c", "0"] if shutil.which("taskset") else []


_CHECKED = re.compile(r"checked (\d+) rows in ([0-9.]+) s")


def _run(cmd: list[str], stdin_path: Path | None = None, out_path: Path | None = None) -> float:
    return _run_timed(cmd, out_path)[0]


def _run_timed(cmd: list[str], out_path: Path | None = None) -> tuple[float, float | None]:
    """(wall seconds of the process, seconds of its rows as it reports them)."""
    t = time.perf_counter()
    with open(out_path or os.devnull, "w", encoding="utf-8") as out:
        p = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, check=True, text=True,
                           env={**os.environ, "HUASHU_LOG_LEVEL": "INFO"})
    wall = time.perf_counter() - t
    m = _CHECKED.search(p.stderr)
    return wall, (float(m.group(2)) if m else None)


def _per_kind(gold_path: Path, pred_path: Path) -> dict[str, dict[str, object]]:
    """Violation and script P/R per row ``kind`` (the definitions of score_text.py)."""
    gold = {r["id"]: r for r in map(json.loads, open(gold_path, encoding="utf-8"))}
    got = {r["id"]: [f["ref"] for f in r.get("flags", [])]
           for r in map(json.loads, open(pred_path, encoding="utf-8"))}
    counts: dict[str, list[int]] = {}
    for i, g in gold.items():
        c = counts.setdefault(g.get("kind", "all"), [0] * 7)
        p = got.get(i, [])
        gv = {r for r in g["refs"] if r.split(".")[0] in ("8", "9")}
        pv = {r for r in p if r.split(".")[0] in ("8", "9")}
        gs = set(g["refs"]) - gv
        ps = set(p) - pv
        c[0] += bool(gv and pv)
        c[1] += bool(pv and not gv)
        c[2] += bool(gv and not pv)
        c[3] += len(gs & ps)
        c[4] += len(ps - gs)
        c[5] += len(gs - ps)
        c[6] += 1

    def ratio(a: int, b: int) -> float | None:
        return round(a / (a + b), 3) if a + b else None

    return {k: {"rows": c[6], "violation_precision": ratio(c[0], c[1]),
                "violation_recall": ratio(c[0], c[2]), "false_violations": c[1],
                "script_precision": ratio(c[3], c[4]), "script_recall": ratio(c[3], c[5])}
            for k, c in sorted(counts.items())}


def accuracy(shared: Path, out: Path) -> dict[str, object]:
    """``check --jsonl`` with its defaults on each dev corpus (the naive matcher beside it on
    v1), and with ``--semantic`` on v2, scored by score_text.py and per ``kind``."""
    corpus = shared / "corpus"
    score_text = _scorer(shared, "score_text")
    score_dialogues = _scorer(shared, "score_dialogues")
    res: dict[str, object] = {}
    naive_py = out / "naive.py"
    naive_py.write_text(NAIVE, encoding="utf-8")
    runs: list[tuple[str, Path, str, list[str]]] = []
    for name in ("dev_utterances", "dev_utterances_asr"):
        src = corpus / f"{name}.jsonl"
        runs.append((f"v1/{name}.huashu", src, "huashu",
                     ["check", "--no-semantic", "--jsonl", str(src)]))
        runs.append((f"v1/{name}.naive", src, "naive", [str(naive_py), str(src)]))
        src2 = corpus / "v2" / f"{name}.jsonl"
        runs.append((f"v2/{name}.huashu", src2, "huashu",
                     ["check", "--no-semantic", "--jsonl", str(src2)]))
        runs.append((f"v2/{name}.huashu_semantic", src2, "huashu",
                     ["check", "--semantic", "--jsonl", str(src2)]))
    for label, src, who, args in runs:
        pred = out / f"{label.replace('/', '_')}.jsonl"
        cmd = _huashu() + args if who == "huashu" else [sys.executable, *args]
        _run(cmd, out_path=pred)
        buf = io.StringIO()
        with redirect_stdout(buf):
            p, r, sp, sr = score_text.main(str(src), str(pred))
        res[label] = {"violation_precision": round(p, 3), "violation_recall": round(r, 3),
                      "script_precision": round(sp, 3), "script_recall": round(sr, 3),
                      "errors": [ln.strip() for ln in buf.getvalue().splitlines()
                                 if ln.startswith("   ")]}
        if label.startswith("v2/"):
            res[label]["per_kind"] = _per_kind(src, pred)  # type: ignore[index]
    for name in ("dev_dialogues.jsonl", "v2/dev_dialogues.jsonl"):
        dial = corpus / name
        rep = out / f"{name.replace('/', '_')}.huashu.jsonl"
        _run(_huashu() + ["score", "--jsonl", str(dial)], out_path=rep)
        buf = io.StringIO()
        with redirect_stdout(buf):
            score_dialogues.main(str(dial), str(rep))
        res[name.replace(".jsonl", "")] = buf.getvalue().strip().splitlines()
    return res


def cold(shared: Path) -> dict[str, object]:
    """Real comments (COLD dev; its labels are offensiveness, not the standard's): the share
    of label-0 rows that get a violation flag, each listed with its flags for reading, and
    the share of label-1 rows flagged."""
    import csv

    sys.path.insert(0, str(ROOT))
    from analyzer import Analyzer

    an = Analyzer.load()
    with open(shared / "corpus" / "external" / "cold" / "dev.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    flagged: dict[str, list[dict[str, object]]] = {"0": [], "1": []}
    totals = {"0": 0, "1": 0}
    for r in rows:
        label = r["label"]
        if label not in totals:
            continue
        totals[label] += 1
        found = [f for f in an.check(r["TEXT"]) if f.is_violation]
        if found:
            flagged[label].append({"text": r["TEXT"], "flags": [
                {"ref": f.ref, "matched": f.matched, "category": f.category, "rule": f.rule}
                for f in found]})
    return {"label0_rows": totals["0"], "label0_flagged": len(flagged["0"]),
            "label0_share": round(len(flagged["0"]) / max(1, totals["0"]), 4),
            "label1_rows": totals["1"], "label1_flagged": len(flagged["1"]),
            "label0_flagged_rows": flagged["0"]}


def semantic_cost(shared: Path) -> dict[str, object]:
    """The semantic stage apart, in this process: which share of the v2 dev utterances
    (clean and recogniser text) reach it, and how fast it and the whole check run."""
    sys.path.insert(0, str(ROOT))
    from analyzer import Analyzer

    an = Analyzer.load()
    rows = [json.loads(x) for f in ("dev_utterances.jsonl", "dev_utterances_asr.jsonl")
            for x in open(shared / "corpus" / "v2" / f, encoding="utf-8")]
    pairs = [(r["text"], r["speaker"]) for r in rows]
    an.semantic_stage()  # loaded (and its examples embedded) before timing
    t0 = time.perf_counter()
    flags = an.check_many(pairs)
    lexical_s = time.perf_counter() - t0
    open_rows = [i for i, (p, f) in enumerate(zip(pairs, flags, strict=True))
                 if an.semantic_open(p[0], p[1], f)]
    t0 = time.perf_counter()
    found = an.by_meaning([p[0] for p in pairs], [p[1] for p in pairs], flags)
    semantic_s = time.perf_counter() - t0
    return {"utterances": len(pairs), "reach_semantic": len(open_rows),
            "share_reaching": round(len(open_rows) / len(pairs), 3),
            "credited": sum(f is not None for f in found),
            "semantic_utterances_per_s": round(len(open_rows) / semantic_s, 1)
            if semantic_s else None,
            "check_utterances_per_s": round(len(pairs) / lexical_s),
            "check_with_semantic_utterances_per_s": round(len(pairs) / (lexical_s + semantic_s))}


def make_utterances(shared: Path, n: int, path: Path) -> None:
    """``n`` varied utterances built from the dev corpora (clean and ASR text, agent and
    customer), each with random lead-ins, fillers and tails, so that no two rows are
    guaranteed identical and no cache could help."""
    rows = [json.loads(x) for f in ("dev_utterances.jsonl", "dev_utterances_asr.jsonl")
            for x in open(shared / "corpus" / f, encoding="utf-8")]
    rnd = random.Random(20261124)
    heads = ["", "", "", "嗯,", "那个,", "好的,", "您看,", "师傅,", "喂,", "哦,"]
    tails = ["", "", "", "。", "啊", ",您看行吗", ",就这样", "哈", "?", ",好吧"]
    benign = ["我先看一下线路", "您家的路由器在哪里", "这个灯一直在闪", "我测一下网速",
              "您稍等一下", "好的没问题", "信号现在正常了", "这根线我给您换一下"]
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            if rnd.random() < 0.25:
                text = rnd.choice(benign) + rnd.choice(tails)
                speaker = "agent"
            else:
                r = rnd.choice(rows)
                text = rnd.choice(heads) + r["text"] + rnd.choice(tails)
                speaker = r["speaker"]
            fh.write(json.dumps({"id": f"u{i}", "text": text, "speaker": speaker},
                                ensure_ascii=False) + "\n")


def _checkout_cli(path: Path) -> list[str]:
    """The ``huashu`` command of another checkout (older revisions: analyzer.cli)."""
    module = "huashu" if (path / "huashu" / "cli").is_dir() else "analyzer.cli"
    # run from that checkout, so that its packages (not this one's) are imported
    return ["env", f"--chdir={path}", f"PYTHONPATH={path}", sys.executable, "-m", module]


def _forms_only(cli: list[str]) -> list[str]:
    """The option that keeps ``check`` to forms and rules, where ``cli`` has it (reading
    by meaning became ``check``'s default later; older revisions never read by it)."""
    helped = subprocess.run([*cli, "check", "--help"], capture_output=True, text=True,
                            check=False).stdout
    return ["--no-semantic"] if "--no-semantic" in helped else []


def speed(shared: Path, out: Path, n: int, repeat: int,
          against: Path | None = None) -> dict[str, object]:
    data = out / "bench_utterances.jsonl"
    make_utterances(shared, n, data)
    empty = out / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    naive_py = out / "naive.py"
    naive_py.write_text(NAIVE, encoding="utf-8")
    pin = _pin()
    # the matcher's speed: forms and rules, as the service's real-time check runs
    cmds = {"huashu": lambda f: pin + _huashu() + ["check", "--no-semantic", "--jsonl", str(f)],
            "naive": lambda f: pin + [sys.executable, str(naive_py), str(f)]}
    if against is not None:
        other = _checkout_cli(against.resolve())
        other_opts = _forms_only(other)
        cmds["baseline"] = lambda f: pin + other + ["check", *other_opts, "--jsonl", str(f)]
    res: dict[str, object] = {"utterances": n, "pinned_to_one_core": bool(pin)}
    times: dict[str, dict[str, float]] = {}
    # Both programs time their own rows (from the first row read to the last written);
    # subtracting an empty run's wall time instead swung by +-0.3 s with start-up noise.
    # Runs alternate between the two, so that a busy moment of the machine hits both.
    walls: dict[str, list[float]] = {w: [] for w in cmds}
    procs: dict[str, list[float]] = {w: [] for w in cmds}
    starts: dict[str, list[float]] = {w: [] for w in cmds}
    for _ in range(repeat):
        for who, cmd in cmds.items():
            starts[who].append(_run(cmd(empty)))
            wall, proc = _run_timed(cmd(data))
            if proc is None:
                raise RuntimeError(f"{who} did not report its processing time")
            walls[who].append(wall)
            procs[who].append(proc)
    for who in cmds:
        total = statistics.median(walls[who])
        processing = statistics.median(procs[who])
        times[who] = {"startup_s": round(statistics.median(starts[who]), 3),
                      "total_s": round(total, 3), "processing_s": round(processing, 3),
                      "processing_runs_s": [round(x, 3) for x in procs[who]],
                      "utterances_per_s": round(n / processing),
                      "utterances_per_s_end_to_end": round(n / total)}
    res.update(times)
    res["speedup_vs_naive_processing"] = round(
        times["naive"]["processing_s"] / times["huashu"]["processing_s"], 2)
    res["speedup_vs_naive_end_to_end"] = round(
        times["naive"]["total_s"] / times["huashu"]["total_s"], 2)
    if against is not None:
        res["baseline_checkout"] = str(against)
        res["speedup_vs_baseline_processing"] = round(
            times["baseline"]["processing_s"] / times["huashu"]["processing_s"], 3)
    return res


def load_time(repeat: int) -> dict[str, float]:
    code = ("import time; t=time.perf_counter(); from analyzer import Analyzer; "
            "Analyzer.load(); print(time.perf_counter()-t)")
    runs = []
    for _ in range(repeat):
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={**os.environ, "HUASHU_LOG_LEVEL": "WARNING"})
        runs.append(float(p.stdout.strip().splitlines()[-1]))
    return {"load_s_median": round(statistics.median(runs), 3), "load_s_max": round(max(runs), 3)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--against", type=Path, default=None,
                    help="a checkout of another revision to time in the same run")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    result = {"accuracy": accuracy(args.shared, args.out),
              "semantic": semantic_cost(args.shared),
              "cold": cold(args.shared),
              "speed": speed(args.shared, args.out, args.n, args.repeat, args.against),
              "load": load_time(args.repeat)}
    (args.out / "text_bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=1),
                                              encoding="utf-8")
    acc = result["accuracy"]
    for k, v in acc.items():
        if isinstance(v, dict):
            log.info("%-28s violation P %.3f R %.3f | script P %.3f R %.3f", k,
                     v["violation_precision"], v["violation_recall"],
                     v["script_precision"], v["script_recall"])
    for k in ("dev_dialogues", "v2/dev_dialogues"):
        log.info("%s: %s", k, " ".join(acc[k][-1:]))  # type: ignore[index]
    for k, v in acc.items():
        for kind, c in (v.get("per_kind") or {}).items() if isinstance(v, dict) else ():
            log.info("  %-34s %-18s rows %3d  violation P %s R %s (false %d) | script P %s R %s",
                     k, kind, c["rows"], c["violation_precision"], c["violation_recall"],
                     c["false_violations"], c["script_precision"], c["script_recall"])
    c = result["cold"]
    log.info("COLD dev: %s of %s label-0 comments get a violation flag (%s; listed in the "
             "JSON for reading), %s of %s label-1", c["label0_flagged"], c["label0_rows"],
             c["label0_share"], c["label1_flagged"], c["label1_rows"])
    sem = result["semantic"]
    log.info("semantic stage: %s of %s utterances reach it (%s), %s credited; %s utt/s in the "
             "stage; check %s utt/s, with the stage %s utt/s", sem["reach_semantic"],
             sem["utterances"], sem["share_reaching"], sem["credited"],
             sem["semantic_utterances_per_s"], sem["check_utterances_per_s"],
             sem["check_with_semantic_utterances_per_s"])
    sp = result["speed"]
    log.info("speed (%d utterances, one core=%s): huashu %s utt/s (end to end %s), naive %s "
             "utt/s; speed-up %sx (end to end %sx)", sp["utterances"], sp["pinned_to_one_core"],
             sp["huashu"]["utterances_per_s"], sp["huashu"]["utterances_per_s_end_to_end"],
             sp["naive"]["utterances_per_s"], sp["speedup_vs_naive_processing"],
             sp["speedup_vs_naive_end_to_end"])
    if "baseline" in sp:
        log.info("baseline %s: %s utt/s; this revision's throughput / the baseline's: %sx",
                 sp["baseline_checkout"], sp["baseline"]["utterances_per_s"],
                 sp["speedup_vs_baseline_processing"])
    log.info("load (phrasebank + jieba init): median %ss, max %ss",
             result["load"]["load_s_median"], result["load"]["load_s_max"])
    log.info("written %s", args.out / "text_bench.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
