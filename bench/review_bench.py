"""Benchmark of the review page (issue 6 targets): the first load's bytes, and the time the
recording view of a 30-minute call (600 utterances) takes to render in headless Chromium.

    python bench/review_bench.py [--utterances 600] [--runs 7]

Starts ``huashu serve`` over a fresh SQLite folder into which it has put, through the job
queue's own ``submit`` → ``claim`` → ``finish``, two done recordings whose results the real
analyzer scored (``Analyzer.score``) over the shared dev dialogues' turns: the long call
(``--utterances``, timed over 30 minutes) and a 10-utterance call, the baseline measured in
the same run. Each run opens ``/#/r/<id>`` in a fresh browser context (cold cache), signed in
by sessionStorage, and reads the page's performance marks: navigation start →
``huashu:rec-fetched`` (the recording's JSON arrived) → ``huashu:timeline-rendered`` (the
timeline and panel are in the DOM) → ``huashu:timeline-painted`` (after the next frame).
The figures are medians over ``--runs``; the ratios compare the long call with the baseline.

The first load (sign-in page: HTML, CSS, JS modules, favicon) is counted twice: the bytes the
browser transferred (Resource Timing ``transferSize``, headers included; the favicon fetched
apart), and the bodies as served with and without gzip. Target: ≤ 300 KB; render ≤ 1 s.
Writes ``bench/out/review_bench.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.api.conftest import Server  # noqa: E402
from tests.web.seed import dialogue_turns, insert_done, result_for  # noqa: E402

OUT = ROOT / "bench" / "out"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--mute-audio"]
MARKS = ("huashu:rec-fetched", "huashu:timeline-html", "huashu:timeline-rendered",
         "huashu:timeline-painted")


def _seed(data_dir: Path, n: int) -> dict[str, str]:
    from analyzer import Analyzer

    an = Analyzer.load()
    ids = {}
    for name, count, secs in (("long", n, 1800.0), ("base", 10, 30.0)):
        res = result_for(an, dialogue_turns(count, seconds=secs), scenario="onsite_visit")
        ids[name] = insert_done(data_dir, res, filename=f"bench-{name}.wav",
                                agent_id="BENCH", scenario="onsite_visit")
    return ids


def _view_once(browser: Any, url: str, key: str, rid: str) -> dict[str, float]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.add_init_script(f"sessionStorage.setItem('huashu.key', {json.dumps(key)});")
    page = ctx.new_page()
    try:
        page.goto(f"{url}/#/r/{rid}")
        page.wait_for_selector("#timeline[data-painted]", timeout=30_000)
        got = page.evaluate("""(marks) => {
            const out = {};
            for (const m of marks) {
                const e = performance.getEntriesByName(m, 'mark');
                out[m] = e.length ? e[e.length - 1].startTime : null;
            }
            const nav = performance.getEntriesByType('navigation')[0];
            out.dom_content_loaded = nav ? nav.domContentLoadedEventEnd : null;
            out.rows = document.querySelectorAll('#timeline > li.utt').length;
            out.json_bytes = performance.getEntriesByType('resource')
                .filter(r => /\\/v1\\/recordings\\/[0-9a-f]{32}$/.test(r.name))
                .reduce((a, r) => a + (r.encodedBodySize || 0), 0);
            return out;
        }""", list(MARKS))
    finally:
        ctx.close()
    f, h, r, p = (got[m] for m in MARKS)
    return {"nav_to_painted_ms": p, "nav_to_fetched_ms": f, "render_ms": r - f,
            "html_ms": h - f, "inner_html_ms": r - h,
            "paint_ms": p - r, "dom_content_loaded_ms": got["dom_content_loaded"],
            "rows": got["rows"], "json_bytes": got["json_bytes"]}


def _median(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(statistics.median(r[k] for r in rows), 1) for k in rows[0]}


def _first_load(browser: Any, url: str) -> dict[str, Any]:
    ctx = browser.new_context()
    page = ctx.new_page()
    try:
        page.goto(url + "/")
        page.wait_for_selector("#signin:not([hidden])")
        entries = page.evaluate("""() => [performance.getEntriesByType('navigation')[0],
            ...performance.getEntriesByType('resource')].map(e => ({name: e.name,
            transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize}))""")
    finally:
        ctx.close()
    paths = [e["name"].replace(url, "") for e in entries]
    import re

    html = httpx.get(url + "/").text
    icon = re.search(r'rel="icon" href="([^"]+)"', html)
    extra = [icon.group(1)] if icon and not any(icon.group(1) in p for p in paths) else []
    served = {}
    for enc in ("gzip", "identity"):
        total = 0
        for p in paths + extra:
            r = httpx.get(url + p, headers={"Accept-Encoding": enc})
            r.raise_for_status()
            total += len(r.content) if enc == "identity" else int(
                r.headers.get("content-length", len(r.content)))
        served[enc] = total
    icon_gz = 0  # a favicon outside Resource Timing is added with its headers
    if extra:
        r = httpx.get(url + extra[0], headers={"Accept-Encoding": "gzip"})
        icon_gz = int(r.headers.get("content-length", 0)) + sum(
            len(k) + len(v) + 4 for k, v in r.headers.items())
    browser_bytes = sum(e["transfer"] for e in entries) + icon_gz
    return {"files": paths + extra, "browser_transfer_bytes": browser_bytes,
            "served_gzip_bytes": served["gzip"], "served_identity_bytes": served["identity"],
            "per_file": entries}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--utterances", type=int, default=600)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--out", type=Path, default=OUT / "review_bench.json")
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print("Debian chromium is missing: apt-get install -y chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    load_before = [round(x, 2) for x in os.getloadavg()]  # other work on the machine
    with tempfile.TemporaryDirectory(prefix="huashu-review-bench-") as tmp:
        srv = Server(Path(tmp) / "data", {"HUASHU_THREADS": "2", "HUASHU_LOG_LEVEL": "WARNING"})
        keys = srv.make_keys()
        ids = _seed(srv.data_dir, args.utterances)
        srv.start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                load = _first_load(browser, srv.url)
                runs: dict[str, list[dict[str, float]]] = {"base": [], "long": []}
                _view_once(browser, srv.url, keys["review"], ids["base"])  # warm the server
                for _ in range(args.runs):  # interleaved, so drift hits both alike
                    for name in ("base", "long"):
                        runs[name].append(_view_once(browser, srv.url, keys["review"],
                                                     ids[name]))
                browser.close()
            # The server's share: the recording's GET alone (decorated flags, the reviewed
            # report), timed from this process.
            api_ms: dict[str, float] = {}
            with httpx.Client(base_url=srv.url, headers={
                    "Authorization": f"Bearer {keys['review']}"}, timeout=60) as c:
                for name in ("base", "long"):
                    ts = []
                    for _ in range(args.runs):
                        t0 = time.perf_counter()
                        c.get(f"/v1/recordings/{ids[name]}").raise_for_status()
                        ts.append((time.perf_counter() - t0) * 1000)
                    api_ms[name] = round(statistics.median(ts), 1)
        finally:
            srv.stop()
    med = {k: _median(v) for k, v in runs.items()}
    b, lg = med["base"], med["long"]
    ratios = {k: round(lg[k] / b[k], 2) if b[k] else None
              for k in ("nav_to_painted_ms", "render_ms", "html_ms", "inner_html_ms",
                        "paint_ms", "nav_to_fetched_ms")}
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "loadavg_before": load_before,
                    "loadavg_after": [round(x, 2) for x in os.getloadavg()]},
        "utterances": args.utterances, "runs": args.runs, "first_load": load,
        "recording_view": {"median": med, "ratio_long_to_base": ratios,
                           "max_long_nav_to_painted_ms": max(
                               r["nav_to_painted_ms"] for r in runs["long"]),
                           "api_get_ms": api_ms, "all": runs},
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1))

    kb = 1024
    print(f"first load ({len(load['files'])} files: {', '.join(load['files'])})")
    print(f"  browser transferred  {load['browser_transfer_bytes'] / kb:8.1f} KB  (gzip, headers "
          f"included; target <= 300 KB)")
    print(f"  served, gzip         {load['served_gzip_bytes'] / kb:8.1f} KB")
    print(f"  served, no gzip      {load['served_identity_bytes'] / kb:8.1f} KB")
    print(f"recording view, median of {args.runs} cold runs (ms)      "
          f"{args.utterances:>5} utt   10 utt   ratio")
    for k, name in (("nav_to_fetched_ms", "navigation -> JSON fetched"),
                    ("render_ms", "JSON -> timeline in DOM"),
                    ("html_ms", "  of which: building the escaped HTML"),
                    ("inner_html_ms", "  of which: innerHTML (parse, DOM)"),
                    ("paint_ms", "DOM -> next frame painted"),
                    ("nav_to_painted_ms", "navigation -> painted (target <= 1000)")):
        print(f"  {name:<44} {lg[k]:8.1f} {b[k]:8.1f}   {ratios[k] or 0:5.2f}x")
    print(f"  slowest {args.utterances}-utterance run: "
          f"{report['recording_view']['max_long_nav_to_painted_ms']:.1f} ms; rows rendered "
          f"{int(lg['rows'])}; recording JSON {lg['json_bytes'] / kb:.0f} KB")
    print(f"  the recording's GET alone (server + loopback): {api_ms['long']:.1f} ms "
          f"({args.utterances} utt), {api_ms['base']:.1f} ms (10 utt)")
    print(f"  load average before/after: {load_before} / {report['machine']['loadavg_after']} "
          f"on {os.cpu_count()} CPUs")
    print(f"wrote {args.out}")
    ok = (load["browser_transfer_bytes"] <= 300 * kb and lg["nav_to_painted_ms"] <= 1000
          and int(lg["rows"]) == args.utterances)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
