"""Latency of ``POST /v1/check`` with and without ``"meaning": true``, one client at a time.

    python bench/meaning_latency.py [--requests 300]

Starts ``huashu serve`` over a fresh SQLite data folder, warms the sentence model with 20
checks, then sends the sentences of ``models/data/uncivil_heldout.jsonl`` in turn, first
plain and then read by meaning, and prints p50, p99 and the slowest (milliseconds). The
service's own hot path is measured under load by ``bench/api_bench.py``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

log = logging.getLogger("bench.meaning_latency")
ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=300)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    sys.path.insert(0, str(ROOT))
    import httpx

    from api.db import Database
    from api.keys import KeyStore
    from huashu.config import ServiceSettings

    data = Path(tempfile.mkdtemp(prefix="huashu-latency-"))
    db = Database.from_settings(ServiceSettings(data_dir=data, database_url=None))
    key, _ = KeyStore(db).create("latency", "check")
    db.dispose()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "HUASHU_DATA_DIR": str(data), "HUASHU_LOG_LEVEL": "WARNING",
           "HUASHU_RATE_LIMIT_PER_S": "0"}
    env.pop("HUASHU_DATABASE_URL", None)
    with (data / "server.log").open("w") as server_log:
        proc = subprocess.Popen([sys.executable, "-m", "huashu", "serve", "--port", str(port),
                                 "--no-access-log"], env=env, cwd=str(ROOT),
                                stdout=server_log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        with (ROOT / "models" / "data" / "uncivil_heldout.jsonl").open(encoding="utf-8") as fh:
            texts = [json.loads(line)["text"] for line in fh if line.strip()]
        out: dict[str, dict[str, float]] = {}
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as c:
            for t in texts[:20]:
                c.post("/v1/check", json={"text": t, "meaning": True}).raise_for_status()
            for name, extra in (("plain", {}), ("meaning", {"meaning": True})):
                ms = []
                for k in range(args.requests):
                    t0 = time.perf_counter()
                    c.post("/v1/check", json={"text": texts[k % len(texts)], **extra}
                           ).raise_for_status()
                    ms.append((time.perf_counter() - t0) * 1000)
                ms.sort()
                out[name] = {"p50": round(ms[len(ms) // 2], 1),
                             "p99": round(ms[int(len(ms) * 0.99) - 1], 1),
                             "max": round(ms[-1], 1)}
                log.info("%s: p50 %.1f ms, p99 %.1f ms, slowest %.1f ms", name,
                         out[name]["p50"], out[name]["p99"], out[name]["max"])
        print(json.dumps(out))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
