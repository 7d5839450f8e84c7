"""Benchmark of the HTTP service on loopback: ``POST /v1/check`` latency (1,000 sequential
requests) and throughput (concurrent keep-alive clients), WebSocket round trip, and the
server's RSS with the model loaded after 10,000 checks and 20 uploads.

    python bench/api_bench.py [--clients 32] [--seconds 10] [--uploads 20]

Starts ``huashu serve`` in a subprocess over a fresh SQLite data folder, runs the load from
this process (a raw asyncio HTTP/1.1 client for the throughput part, so that the client is
not the bottleneck), prints the figures and writes ``bench/out/api_bench.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

__all__ = ["main"]

log = logging.getLogger("api_bench")
ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HUASHU_SHARED", ROOT.parent / "shared"))
OUT = ROOT / "bench" / "out"


def _texts() -> list[dict[str, str]]:
    rows = []
    for line in (SHARED / "corpus" / "dev_utterances.jsonl").read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            rows.append({"text": r["text"], "speaker": r.get("speaker") or "agent"})
    return rows


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def _ms(xs: list[float]) -> dict[str, float]:
    return {"p50_ms": round(_pct(xs, 50) * 1000, 3), "p90_ms": round(_pct(xs, 90) * 1000, 3),
            "p99_ms": round(_pct(xs, 99) * 1000, 3), "max_ms": round(max(xs) * 1000, 3),
            "mean_ms": round(statistics.fmean(xs) * 1000, 3), "n": len(xs)}


def _rss(pid: int) -> dict[str, float]:
    got = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM"):
            got[k] = round(int(v.split()[0]) / 1024, 1)
    return {"rss_mib": got.get("VmRSS", 0.0), "peak_rss_mib": got.get("VmHWM", 0.0)}


async def _throughput(port: int, key: str, bodies: list[bytes], clients: int,
                      seconds: float) -> dict[str, Any]:
    """Keep-alive connections, each sending its next request when the last is answered."""
    reqs = [(b"POST /v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
             + key.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: "
             + str(len(b)).encode() + b"\r\n\r\n" + b) for b in bodies]
    done = [0]
    errors = [0]
    lat: list[float] = []
    stop = time.perf_counter() + seconds

    async def one(i: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        n = i
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            writer.write(reqs[n % len(reqs)])
            n += clients
            head = await reader.readuntil(b"\r\n\r\n")
            status = head[9:12]
            clen = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    clen = int(line[15:])
            await reader.readexactly(clen)
            lat.append(time.perf_counter() - t0)
            if status == b"200":
                done[0] += 1
            else:
                errors[0] += 1
        writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(clients)))
    wall = time.perf_counter() - t0
    return {"clients": clients, "seconds": round(wall, 2), "requests": done[0],
            "errors": errors[0], "requests_per_s": round(done[0] / wall, 1),
            "latency": _ms(lat)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--sequential", type=int, default=1000)
    ap.add_argument("--ws", type=int, default=1000)
    ap.add_argument("--uploads", type=int, default=20)
    ap.add_argument("--checks-total", type=int, default=10000,
                    help="checks done before the RSS reading (topped up if needed)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)

    sys.path.insert(0, str(ROOT))
    from api.db import Database
    from api.keys import KeyStore
    from huashu.config import ServiceSettings

    data = Path(tempfile.mkdtemp(prefix="huashu-bench-"))
    db = Database.from_settings(ServiceSettings(data_dir=data, database_url=None))
    key, _ = KeyStore(db).create("bench", "check,upload,review")
    db.dispose()
    port = _free_port()
    # the load comes from one key: its rate limit off, so that the server's capacity shows
    env = {**os.environ, "HUASHU_DATA_DIR": str(data), "HUASHU_PRELOAD_MODEL": "true",
           "HUASHU_LOG_LEVEL": "WARNING", "HUASHU_RATE_LIMIT_PER_S": "0"}
    env.pop("HUASHU_DATABASE_URL", None)
    logf = open(data / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "huashu", "serve", "--port",
                             str(port), "--no-access-log"], env=env, stdout=logf,
                            stderr=subprocess.STDOUT, cwd=str(data))
    base = f"http://127.0.0.1:{port}"
    result: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python":
                                          platform.python_version(),
                                          "platform": platform.platform()}}
    try:
        t0 = time.perf_counter()
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.perf_counter() - t0 > 180:
                raise SystemExit("the server did not start; see " + str(data / "server.log"))
            time.sleep(0.2)
        result["startup_s"] = round(time.perf_counter() - t0, 2)
        result["rss_after_start"] = _rss(proc.pid)
        texts = _texts()
        bodies = [json.dumps(t, ensure_ascii=False).encode() for t in texts]
        checks = 0
        hdr = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

        # 1. sequential latency
        with httpx.Client(base_url=base, headers=hdr) as c:
            for b in bodies[:50]:  # warm up
                c.post("/v1/check", content=b)
            lat = []
            for i in range(args.sequential):
                b = bodies[i % len(bodies)]
                t = time.perf_counter()
                r = c.post("/v1/check", content=b)
                lat.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
            checks += args.sequential + 50
        result["check_sequential"] = _ms(lat)
        log.info("sequential: %s", result["check_sequential"])

        # 2. throughput with concurrent clients
        try:
            import uvloop

            runner: Any = uvloop.run
        except ImportError:
            runner = asyncio.run
        tp = runner(_throughput(port, key, bodies, args.clients, args.seconds))
        checks += tp["requests"] + tp["errors"]
        result["check_concurrent"] = tp
        log.info("concurrent: %s", tp)

        # 3. WebSocket round trip
        from websockets.sync.client import connect

        url = f"ws://127.0.0.1:{port}/v1/stream?call_id=bench"
        with connect(url, additional_headers={"Authorization": f"Bearer {key}"}) as ws:
            wl = []
            for i in range(args.ws + 50):
                msg = json.dumps({**texts[i % len(texts)], "id": i,
                                  "call_id": f"ws-{i // 100}"}, ensure_ascii=False)
                t = time.perf_counter()
                ws.send(msg)
                json.loads(ws.recv())
                if i >= 50:
                    wl.append(time.perf_counter() - t)
            checks += args.ws + 50
        result["ws_round_trip"] = _ms(wl)
        log.info("websocket: %s", result["ws_round_trip"])

        # 4. top up to 10,000 checks, then 20 uploads analysed, then RSS
        with httpx.Client(base_url=base, headers=hdr) as c:
            while checks < args.checks_total:
                c.post("/v1/check", content=bodies[checks % len(bodies)])
                checks += 1
        result["checks_done"] = checks
        result["rss_after_checks"] = _rss(proc.pid)
        files = sorted((SHARED / "corpus" / "audio" / "dialogues").glob("dd0*.*[3v]"))
        ids = []
        t0 = time.perf_counter()
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"},
                          timeout=120) as c:
            for i in range(args.uploads):
                f = files[i % len(files)]
                # distinct bytes (trailing padding) so that none is deduplicated
                content = f.read_bytes() + b"\0" * (2 * (i // len(files)))
                r = c.post("/v1/recordings", files={"file": (f.name, content)},
                           data={"agent_id": f"bench-{i}"})
                assert r.status_code == 202, r.text
                ids.append(r.json()["id"])
            statuses: dict[str, str] = {}
            audio_s = 0.0
            while True:
                statuses = {}
                audio_s = 0.0
                for rid in ids:
                    d = c.get(f"/v1/recordings/{rid}").json()
                    statuses[rid] = d["status"]
                    audio_s += d.get("duration") or 0.0
                if all(s in ("done", "failed") for s in statuses.values()):
                    break
                time.sleep(2)
        wall = time.perf_counter() - t0
        result["uploads"] = {"n": len(ids), "done": sum(s == "done" for s in
                                                        statuses.values()),
                             "failed": sum(s == "failed" for s in statuses.values()),
                             "audio_s": round(audio_s, 1), "wall_s": round(wall, 1),
                             "realtime_factor": round(wall / audio_s, 3) if audio_s else None}
        log.info("uploads: %s", result["uploads"])
        result["rss_final"] = _rss(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        logf.close()
    tp = result["check_concurrent"]
    result["targets"] = {
        "check_p99_ms<=20": result["check_sequential"]["p99_ms"] <= 20,
        "check_rps>=1000": tp["requests_per_s"] >= 1000,
        "ws_p99_ms<=10": result["ws_round_trip"]["p99_ms"] <= 10,
        "rss_final<=1GiB": result["rss_final"]["rss_mib"] <= 1024,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "api_bench.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
