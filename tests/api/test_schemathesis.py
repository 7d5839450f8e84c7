"""A schemathesis run over the service's OpenAPI spec: zero 5xx (bounded examples)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import Server


def test_openapi_no_server_errors(server: Server, tmp_path: Path) -> None:
    exe = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))
    out = subprocess.run(
        [exe, "run", f"{server.url}/openapi.json", "--checks", "not_a_server_error",
         "-H", f"Authorization: Bearer {server.keys['admin']}", "--max-examples", "20",
         "--seed", "1", "--no-shrink", "--generation-database", "none", "--no-color",
         "--request-timeout", "30"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    tail = out.stdout[-4000:] + out.stderr[-2000:]
    assert out.returncode == 0, tail
    assert " passed" in out.stdout and "failed" not in out.stdout.split("SUMMARY")[-1], tail
    log = server.log()
    assert "Traceback" not in log and "unhandled error" not in log
    assert '" 500 ' not in log
