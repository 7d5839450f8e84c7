"""Fixtures of the service tests: a real ``huashu serve`` process on a loopback port over a
real SQLite file (or PostgreSQL), keys made in its database, and a PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("HUASHU_SHARED", ROOT.parent / "shared"))
DIALOGUES = SHARED / "corpus" / "audio" / "dialogues"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``huashu serve`` in a subprocess; ``stop()`` is SIGTERM, ``kill()`` is SIGKILL."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        # one job at a time: the tests follow a job's states (queued behind another,
        # running when killed), which two slots would make a race
        self.env = {**os.environ, "HUASHU_DATA_DIR": str(data_dir),
                    "HUASHU_PRELOAD_MODEL": "false", "HUASHU_LOG_LEVEL": "INFO",
                    "HUASHU_THREADS": "4", "HUASHU_JOB_CONCURRENCY": "1", **(env or {})}
        if "HUASHU_DATABASE_URL" not in (env or {}):
            self.env.pop("HUASHU_DATABASE_URL", None)
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.log_path = data_dir / "server.log"
        self.keys: dict[str, str] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> Server:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child owns it
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "huashu", "serve", "--port", str(self.port)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=str(self.data_dir))
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log()[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not start: {self.log()[-3000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "huashu", *args], env=self.env,
                              capture_output=True, text=True, timeout=120,
                              cwd=str(self.data_dir))

    def database(self) -> Any:
        """The server's database, opened in-process (the caller disposes of it)."""
        from api.db import Database
        from huashu.config import ServiceSettings

        settings = ServiceSettings(data_dir=self.data_dir,
                                   database_url=self.env.get("HUASHU_DATABASE_URL") or None)
        return Database.from_settings(settings)

    def make_keys(self) -> dict[str, str]:
        """One key per scope, one with every scope but admin, and a revoked one (in-process,
        on the server's database)."""
        from api.keys import KeyStore

        db = self.database()
        store = KeyStore(db)
        for scope in ("check", "upload", "review", "admin"):
            self.keys[scope], _ = store.create(f"test-{scope}", scope)
        self.keys["all"], _ = store.create("test-all", "check,upload,review")
        self.keys["revoked"], info = store.create("test-revoked", "check,upload,review,admin")
        store.revoke(str(info.id))
        db.dispose()
        return self.keys

    def recording(self, rid: str) -> tuple[str, int, str | None]:
        """A recording's job as the server's database holds it: ``(status, attempts,
        worker)`` (in-process, for a server that is stopped)."""
        from api.models import Recording

        db = self.database()
        try:
            with db.session() as s:
                row = s.get(Recording, rid)
                assert row is not None, rid
                return row.status, row.attempts, row.worker
        finally:
            db.dispose()

    def client(self, key: str | None = "admin", **kw: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys[key]}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, **kw)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server for the tests that need no model: the model is never loaded."""
    srv = Server(tmp_path_factory.mktemp("srv"), {"HUASHU_MAX_UPLOAD_MB": "1",
                                                  "HUASHU_MAX_DURATION_S": "60"})
    srv.make_keys()
    srv.start()
    yield srv
    srv.stop()


def wait_for(client: httpx.Client, rid: str, statuses: tuple[str, ...],
             timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(f"/v1/recordings/{rid}")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        if body["status"] in statuses or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


# -- PostgreSQL --------------------------------------------------------------------------

class _PG:
    def __init__(self) -> None:
        self.url: str | None = None
        self.reason = ""
        self.stop_cmd: list[str] | None = None
        self.tmp: str | None = None

    def start(self) -> None:
        url = os.environ.get("HUASHU_TEST_DATABASE_URL")
        if url:
            self.url = url
            return
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        initdb = shutil.which("initdb") or (str(bins[-1]) if bins else None)
        if initdb is None:
            self.reason = ("no PostgreSQL server: HUASHU_TEST_DATABASE_URL is unset and "
                           "initdb is not installed (apt-get install postgresql)")
            return
        pg_ctl = str(Path(os.path.realpath(initdb)).with_name("pg_ctl"))
        self.tmp = tempfile.mkdtemp(prefix="huashu-pg-")
        as_user: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            os.chmod(self.tmp, 0o777)
            as_user = ["runuser", "-u", "postgres", "--"]
        port = free_port()
        data = f"{self.tmp}/data"
        try:
            subprocess.run([*as_user, initdb, "-D", data, "-A", "trust", "-U", "huashu",
                            "-E", "UTF8"], check=True, capture_output=True, timeout=120)
            subprocess.run([*as_user, pg_ctl, "-D", data, "-l", f"{self.tmp}/log", "-w",
                            "-o", f"-p {port} -k {self.tmp} -c listen_addresses=127.0.0.1 "
                                  "-c fsync=off", "start"],
                           check=True, capture_output=True, timeout=120)
        except (subprocess.SubprocessError, OSError) as exc:
            err = getattr(exc, "stderr", b"") or b""
            self.reason = (f"PostgreSQL could not start a throwaway cluster: {exc} "
                           f"{err.decode(errors='replace')[-300:]}")
            return
        self.stop_cmd = [*as_user, pg_ctl, "-D", data, "-m", "immediate", "stop"]
        self.url = f"postgresql+psycopg://huashu@127.0.0.1:{port}/postgres"

    def stop(self) -> None:
        if self.stop_cmd:
            subprocess.run(self.stop_cmd, capture_output=True, timeout=60)
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[_PG]:
    pg = _PG()
    pg.start()
    yield pg
    pg.stop()


@pytest.fixture
def pg_url(pg_server: _PG) -> Iterator[str]:
    """A fresh database on the PostgreSQL server, dropped afterwards."""
    if pg_server.url is None:
        pytest.skip(pg_server.reason)
    import sqlalchemy as sa

    admin = sa.create_engine(pg_server.url, isolation_level="AUTOCOMMIT")
    name = "huashu_t_" + uuid.uuid4().hex[:12]
    try:
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL at {pg_server.url} refused CREATE DATABASE: {exc}")
    base = pg_server.url.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
