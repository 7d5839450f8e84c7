"""Storage: keys, recordings, the job queue and its recovery — the same tests on SQLite and on
a real PostgreSQL server (skipped only when none can start, with the reason)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text, update

from analyzer.fingerprint import Fingerprint, recording_key
from api.db import MIGRATIONS, Database, migrate
from api.jobs import JobQueue, ListFilter
from api.keys import KeyStore
from api.models import Recording
from huashu.config import ServiceSettings


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        settings = ServiceSettings(data_dir=tmp_path, database_url=None)
    else:
        settings = ServiceSettings(data_dir=tmp_path,
                            database_url=request.getfixturevalue("pg_url"))
    d = Database.from_settings(settings)
    assert d.dialect == request.param
    yield d
    d.dispose()


def _submit(q: JobQueue, sha: str, agent_channel: str = "left",
            agent: str = "a1", duration: float = 1.0) -> tuple[dict, bool]:
    fp = Fingerprint("sha256:bank", "model", {"speech": {"agent_channel": agent_channel}})
    return q.submit(key=recording_key(sha, fp, None), sha256=sha, path=f"/audio/{sha}.wav",
                    filename=f"{sha}.wav", size=10, fmt="wav", duration=duration, channels=1,
                    scenario=None, agent_channel=agent_channel, agent_id=agent)


def test_short_recordings_are_not_starved_by_long_ones(db: Database) -> None:
    q = JobQueue(db)
    long1 = _submit(q, "long1", duration=5.5 * 3600)[0]["id"]
    long2 = _submit(q, "long2", duration=2 * 3600)[0]["id"]
    short = _submit(q, "short", duration=40.0)[0]["id"]
    # the short lane first, though it was queued last
    assert q.claim(long_s=900).id == short
    # a runner whose other slots hold long recordings takes no further long one
    assert q.claim(long_s=900, allow_long=False) is None
    assert q.claim(long_s=900).id == long1  # then the long lane, oldest first
    # a long one that has waited long enough counts as short
    assert q.claim(long_s=900, allow_long=False, long_wait_s=0.0).id == long2
    assert q.claim(long_s=900) is None


def test_migrating_again_keeps_the_schema_and_the_rows(db: Database) -> None:
    store = KeyStore(db, cache_s=0)
    secret, info = store.create("ops", "check")
    rid = _submit(JobQueue(db), "h1")[0]["id"]
    migrate(db.engine)
    migrate(db.engine)
    with db.engine.connect() as conn:
        versions = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None and versions == [head]
    assert store.verify(secret) == info
    assert JobQueue(db).get(rid) is not None


def test_keys(db: Database) -> None:
    store = KeyStore(db, cache_s=0)
    secret, info = store.create("ops", "check,review")
    assert info.scopes == ("check", "review") and secret.startswith("hs_")
    assert store.verify(secret) == info
    assert store.verify(secret + "x") is None
    with pytest.raises(ValueError, match="unknown: root"):
        store.create("x", "check,root")
    assert [k.name for k in store.list()] == ["ops"]
    with pytest.raises(ValueError, match="already named 'ops'"):
        store.create("ops", "check")  # names are unique among active keys
    _, other = store.create("ops-2", "check")
    assert [k.id for k in store.revoke("ops")] == [info.id]  # that one, not ops-2
    assert store.verify(secret) is None
    assert store.revoke("ops") == []
    assert [k.id for k in store.revoke(str(other.id))] == [other.id]
    _, again = store.create("ops", "check")  # a revoked key's name may be used again
    assert again.id not in (info.id, other.id)


def test_submit_dedupe_and_get(db: Database) -> None:
    q = JobQueue(db)
    a, created = _submit(q, "h1")
    assert created and a["status"] == "queued"
    b, created = _submit(q, "h1")
    assert not created and b["id"] == a["id"]
    c, created = _submit(q, "h1", agent_channel="right")
    assert created and c["id"] != a["id"]
    assert q.get(a["id"])["sha256"] == "h1"
    assert q.get("0" * 32) is None
    # a failed recording uploaded again is queued again, under the same id
    job = q.claim()
    assert job is not None and job.id == a["id"]
    assert q.fail(job.id, "bad audio")
    again, created = _submit(q, "h1")
    assert not created and again["id"] == a["id"] and again["status"] == "queued"
    assert "error" not in again


def test_claim_is_atomic(db: Database) -> None:
    q = JobQueue(db)
    ids = {_submit(q, f"h{i}")[0]["id"] for i in range(12)}
    got: list[str] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        mine = JobQueue(db, worker=f"w{n}")
        while (job := mine.claim()) is not None:
            with lock:
                got.append(job.id)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == sorted(ids)  # each job exactly once
    assert q.counts()["running"] == 12


def test_finish_fail_guarded_by_holder(db: Database) -> None:
    q1, q2 = JobQueue(db, worker="w1"), JobQueue(db, worker="w2")
    rid = _submit(q1, "h1")[0]["id"]
    job = q1.claim()
    assert job is not None and job.attempts == 1
    assert not q2.finish(rid, {"score": 1}) and not q2.heartbeat(rid)
    assert q1.heartbeat(rid)
    assert q1.finish(rid, {"score": 90, "violations": [{"ref": "8.7"}]})
    r = q1.get(rid)
    assert r["status"] == "done" and r["score"] == 90 and r["violations"] == 1
    assert r["result"] == {"score": 90, "violations": [{"ref": "8.7"}]}
    assert not q1.finish(rid, {"score": 0})  # not running any more


def test_recover_expired_leases_and_attempts(db: Database) -> None:
    q = JobQueue(db, lease_s=0.2, max_attempts=2, worker="dead")
    rid = _submit(q, "h1")[0]["id"]
    other = _submit(q, "h2")[0]["id"]
    assert q.claim().id == rid
    assert q.recover() == 0  # lease still valid
    time.sleep(0.4)
    assert q.recover() == 1
    r = q.get(rid)
    assert r["status"] == "queued" and r["attempts"] == 1
    # claimed again and interrupted again: the second time it fails for good
    live = JobQueue(db, lease_s=0.2, max_attempts=2, worker="w2")
    assert live.claim().id == rid
    assert live.claim().id == other
    time.sleep(0.4)
    live.heartbeat(other)
    assert live.recover() == 0
    r = q.get(rid)
    assert r["status"] == "failed" and "interrupted 2 times" in r["error"]
    assert q.get(other)["status"] == "running"
    # on start over SQLite every running job is queued again
    assert live.recover(all_running=True) == 1
    assert q.get(other)["status"] == "queued"


def test_release(db: Database) -> None:
    q = JobQueue(db)
    rid = _submit(q, "h1")[0]["id"]
    q.claim()
    assert q.release(rid)
    r = q.get(rid)
    assert r["status"] == "queued" and r["attempts"] == 0


def test_list_filters_and_paging(db: Database) -> None:
    q = JobQueue(db)
    ids = []
    for i in range(7):
        ids.append(_submit(q, f"h{i}", agent=f"a{i % 2}")[0]["id"])
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with db.session() as s:
        for i, rid in enumerate(ids):
            s.execute(update(Recording).where(Recording.id == rid)
                      .values(created_at=base + timedelta(days=i)))
    for i, rid in enumerate(ids[:3]):
        job = q.claim()
        assert job is not None and job.id == rid
        q.finish(rid, {"score": 80, "violations": [{"ref": "8.1"}] * (i % 2)})
    page = q.list(ListFilter(limit=3))
    assert page["total"] == 7 and [i["id"] for i in page["items"]] == ids[::-1][:3]
    page2 = q.list(ListFilter(limit=3, offset=6))
    assert [i["id"] for i in page2["items"]] == [ids[0]]
    assert q.list(ListFilter(agent_id="a1"))["total"] == 3
    assert q.list(ListFilter(status="done"))["total"] == 3
    assert [i["id"] for i in q.list(ListFilter(has_violations=True))["items"]] == [ids[1]]
    assert q.list(ListFilter(has_violations=False))["total"] == 2
    window = q.list(ListFilter(since=base + timedelta(days=2), until=base + timedelta(days=4)))
    assert [i["id"] for i in window["items"]] == [ids[3], ids[2]]
    assert q.counts() == {"queued": 4, "running": 0, "done": 3, "failed": 0}
