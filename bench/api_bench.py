"""Benchmark of the HTTP service on loopback: ``POST /v1/check`` latency (1,000 sequential
requests; 300 more read by meaning, ``"meaning": true``) and throughput (32 and 200 concurrent keep-alive clients), WebSocket round trip,
the server's RSS while 20 unauthenticated 400 MB bodies are sent at once, and its RSS with
the model loaded after 10,000 checks and 20 uploads.

    python bench/api_bench.py [--clients 32] [--many-clients 200] [--seconds 10] [--uploads 20]

Starts ``huashu serve`` in a subprocess over a fresh SQLite data folder, runs the load from
this process (a raw asyncio HTTP/1.1 client for the throughput part, so that the client is
not the bottleneck), then serves the baseline (``bench/baseline_app.py``: a bare FastAPI
route returning a constant) with the same uvicorn settings and loads it the same way, so
that huashu's throughput is reported as a ratio against it. Prints the figures and writes
``bench/out/api_bench.json``.
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


def _run_async(coro: Any) -> Any:
    try:
        import uvloop

        return uvloop.run(coro)
    except ImportError:
        return asyncio.run(coro)


def _serve(cmd: list[str], env: dict[str, str], cwd: Path, log_path: Path,
           base: str) -> tuple[subprocess.Popen[bytes], float]:
    """Start a server and wait for its /healthz; returns the process and its start time."""
    logf = open(log_path, "wb")  # noqa: SIM115 - the child writes to it until it ends
    proc = subprocess.Popen(cmd, env=env, stdout=logf, stderr=subprocess.STDOUT, cwd=str(cwd))
    logf.close()
    t0 = time.perf_counter()
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.perf_counter() - t0 > 180:
            proc.kill()
            raise SystemExit(f"the server did not start; see {log_path}")
        time.sleep(0.2)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


async def _big_bodies(port: int, pid: int, n: int, mib: int) -> dict[str, Any]:
    """``n`` clients at once, none with a key, each starting a ``mib`` MiB body to
    ``POST /v1/check`` (half declare Content-Length, half send it chunked) and sending
    until the server answers or closes; the server's RSS is sampled all the while."""
    chunk = b"x" * (1 << 20)
    peak = [_rss(pid)["rss_mib"]]
    statuses: list[str] = []
    sent_mib: list[int] = []
    done = asyncio.Event()

    async def sample() -> None:
        while not done.is_set():
            peak.append(_rss(pid)["rss_mib"])
            await asyncio.sleep(0.02)

    async def one(i: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        chunked = i % 2 == 1
        head = (b"POST /v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\n")
        head += (b"Transfer-Encoding: chunked\r\n\r\n" if chunked else
                 b"Content-Length: " + str(mib << 20).encode() + b"\r\n\r\n")
        writer.write(head)
        answer = asyncio.ensure_future(reader.readuntil(b"\r\n\r\n"))
        sent = 0
        try:
            try:
                while sent < mib and not answer.done():
                    writer.write(b"100000\r\n" + chunk + b"\r\n" if chunked else chunk)
                    # a server that answered and stopped reading leaves drain() pending
                    drain = asyncio.ensure_future(writer.drain())
                    await asyncio.wait({drain, answer}, return_when=asyncio.FIRST_COMPLETED)
                    if not drain.done():
                        drain.cancel()
                        break
                    drain.result()
                    sent += 1
            except ConnectionError:
                pass  # closed by the server: its answer, if any, is already in the reader
            got = await asyncio.wait_for(answer, 30)
            statuses.append(got[9:12].decode())
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError) as exc:
            statuses.append(f"closed without an answer ({type(exc).__name__})")
        finally:
            answer.cancel()
            sent_mib.append(sent)
            writer.close()

    sampler = asyncio.ensure_future(sample())
    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    wall = time.perf_counter() - t0
    done.set()
    await sampler
    return {"clients": n, "body_mib_each": mib, "seconds": round(wall, 2),
            "answers": {s: statuses.count(s) for s in sorted(set(statuses))},
            "mib_sent_before_answer": {"max": max(sent_mib), "total": sum(sent_mib)},
            "rss_before_mib": peak[0], "rss_peak_during_mib": max(peak)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--many-clients", type=int, default=200,
                    help="the second throughput run's concurrent clients")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--sequential", type=int, default=1000)
    ap.add_argument("--meaning", type=int, default=300,
                    help="sequential checks read by meaning (the sentence model)")
    ap.add_argument("--ws", type=int, default=1000)
    ap.add_argument("--uploads", type=int, default=20)
    ap.add_argument("--big-bodies", type=int, default=20,
                    help="unauthenticated clients sending a large body at once")
    ap.add_argument("--big-body-mib", type=int, default=400)
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
    # huashu serve's uvicorn settings (huashu/cli/service.py), for both servers
    uvicorn_flags = ["--port", str(port), "--no-access-log"]
    base = f"http://127.0.0.1:{port}"
    result: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python":
                                          platform.python_version(),
                                          "platform": platform.platform()}}
    texts = _texts()
    bodies = [json.dumps(t, ensure_ascii=False).encode() for t in texts]
    proc, started = _serve([sys.executable, "-m", "huashu", "serve", *uvicorn_flags], env,
                           data, data / "server.log", base)
    try:
        result["startup_s"] = round(started, 2)
        result["rss_after_start"] = _rss(proc.pid)
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

        # 1b. the same read by meaning: the sentence model, on the service's executor
        meant = [json.dumps({**t, "meaning": True}, ensure_ascii=False).encode() for t in texts]
        with httpx.Client(base_url=base, headers=hdr) as c:
            for b in meant[:20]:  # the model loads with the first
                c.post("/v1/check", content=b)
            lat = []
            for i in range(args.meaning):
                t = time.perf_counter()
                r = c.post("/v1/check", content=meant[i % len(meant)])
                lat.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
            checks += args.meaning + 20
        result["check_sequential_meaning"] = _ms(lat)
        log.info("sequential, read by meaning: %s", result["check_sequential_meaning"])

        # 2. throughput with concurrent clients, then with many
        for name, n in (("check_concurrent", args.clients),
                        ("check_many_clients", args.many_clients)):
            tp = _run_async(_throughput(port, key, bodies, n, args.seconds))
            checks += tp["requests"] + tp["errors"]
            result[name] = tp
            log.info("%s: %s", name, tp)

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

        # 4. unauthenticated large bodies, all at once
        if args.big_bodies:
            result["big_bodies"] = _run_async(_big_bodies(port, proc.pid, args.big_bodies,
                                                          args.big_body_mib))
            log.info("large bodies: %s", result["big_bodies"])

        # 5. top up to 10,000 checks, then 20 uploads analysed, then RSS
        with httpx.Client(base_url=base, headers=hdr) as c:
            while checks < args.checks_total:
                c.post("/v1/check", content=bodies[checks % len(bodies)])
                checks += 1
        result["checks_done"] = checks
        result["rss_after_checks"] = _rss(proc.pid)
        if args.uploads:
            result["uploads"] = _uploads(base, key, args.uploads)
            log.info("uploads: %s", result["uploads"])
        result["rss_final"] = _rss(proc.pid)
    finally:
        _stop(proc)

    # 6. the baseline: a bare FastAPI route, same server settings, same clients and bodies
    bare, _ = _serve([sys.executable, "-m", "uvicorn", "bench.baseline_app:app",
                      *uvicorn_flags, "--log-level", "warning"], env, ROOT,
                     data / "baseline.log", base)
    try:
        for name, n in (("baseline_concurrent", args.clients),
                        ("baseline_many_clients", args.many_clients)):
            result[name] = _run_async(_throughput(port, key, bodies, n, args.seconds))
            log.info("%s: %s", name, result[name])
    finally:
        _stop(bare)

    tp, many = result["check_concurrent"], result["check_many_clients"]
    result["ratio_to_baseline"] = {
        "concurrent": round(tp["requests_per_s"]
                            / result["baseline_concurrent"]["requests_per_s"], 3),
        "many_clients": round(many["requests_per_s"]
                              / result["baseline_many_clients"]["requests_per_s"], 3)}
    result["targets"] = {
        "check_p99_ms<=20": result["check_sequential"]["p99_ms"] <= 20,
        f"check_rps>=1000 ({args.clients} clients)": tp["requests_per_s"] >= 1000,
        f"check_p99_ms<=50 ({args.many_clients} clients)": many["latency"]["p99_ms"] <= 50,
        "ratio_to_baseline>=0.5": result["ratio_to_baseline"]["concurrent"] >= 0.5,
        "ws_p99_ms<=10": result["ws_round_trip"]["p99_ms"] <= 10,
        "rss_final<=1GiB": result["rss_final"]["rss_mib"] <= 1024,
    }
    if "big_bodies" in result:
        result["targets"]["rss_during_big_bodies<=1GiB"] = (
            result["big_bodies"]["rss_peak_during_mib"] <= 1024)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "api_bench.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    return 0


def _uploads(base: str, key: str, n: int) -> dict[str, Any]:
    """``n`` dialogue recordings uploaded at once, waited for; audio seconds per wall second."""
    files = sorted((SHARED / "corpus" / "audio" / "dialogues").glob("dd0*.*[3v]"))
    ids = []
    t0 = time.perf_counter()
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"},
                      timeout=120) as c:
        for i in range(n):
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
    return {"n": len(ids), "done": sum(s == "done" for s in statuses.values()),
            "failed": sum(s == "failed" for s in statuses.values()),
            "audio_s": round(audio_s, 1), "wall_s": round(wall, 1),
            "realtime_factor": round(wall / audio_s, 3) if audio_s else None}


if __name__ == "__main__":
    sys.exit(main())
