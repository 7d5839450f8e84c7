"""Recordings over real HTTP: the bad-upload matrix (no model needed), then the real model
end to end: upload, restart with jobs queued and running (SIGKILL, then SIGTERM), results
kept, duplicates not analysed twice, listing with filters and paging."""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import DIALOGUES, Server, wait_for


def _zero_frames_wav() -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"")
    return buf.getvalue()


def _long_wav(seconds: float) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(bytes([128, 140, 128, 116]) * int(seconds * 2000))
    return buf.getvalue()


def _corrupt_mp3() -> bytes:
    head = (DIALOGUES / "dd04.mp3").read_bytes()[:400]
    return head + bytes([0xFF, 0xFB, 0xFF, 0xFF]) * 5000


BAD_UPLOADS = [
    # (name, content, expected status, words the detail must hold)
    ("empty.wav", b"", 422, "empty"),
    ("notes.wav", "这不是录音,只是一段文字。\n".encode() * 20, 415, "not a readable audio"),
    ("random.mp3", bytes(range(256)) * 40, 415, "not a readable audio"),
    ("header_only.wav", (DIALOGUES / "dd01.wav").read_bytes()[:44], 415, "not a readable"),
    ("zero_frames.wav", _zero_frames_wav(), 422, "no audio samples"),
    ("corrupt.mp3", _corrupt_mp3(), 422, "corrupt audio data"),
    # 2 KB of a 16-second MP3: its header promises what its data does not hold
    ("fragment.mp3", (DIALOGUES / "dd04.mp3").read_bytes()[:2048], 422, "truncated"),
    # 65 s of 8 kHz 8-bit audio (520 KB): over the test server's 60 s limit
    ("long.wav", _long_wav(65.0), 422, "longer than the limit of 60 s"),
]


@pytest.mark.parametrize("name,content,status,words", BAD_UPLOADS,
                         ids=[b[0] for b in BAD_UPLOADS])
def test_bad_uploads(server: Server, name: str, content: bytes, status: int,
                     words: str) -> None:
    with server.client("upload") as c:
        r = c.post("/v1/recordings", files={"file": (name, content)})
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert name in detail and words in detail, detail
    assert str(server.data_dir) not in detail  # no server paths


def test_the_same_bytes_for_another_agent_are_another_recording(server: Server) -> None:
    mp3 = (DIALOGUES / "dd04.mp3").read_bytes()
    with server.client("upload") as c:
        a = c.post("/v1/recordings", files={"file": ("a.mp3", mp3)}, data={"agent_id": "a1"})
        b = c.post("/v1/recordings", files={"file": ("a.mp3", mp3)}, data={"agent_id": "a2"})
        again = c.post("/v1/recordings", files={"file": ("a.mp3", mp3)},
                       data={"agent_id": "a1"})
        assert a.status_code == b.status_code == 202, (a.text, b.text)
        assert a.json()["id"] != b.json()["id"]
        assert again.json()["id"] == a.json()["id"] and again.json()["duplicate"] is True
        assert c.get(f"/v1/recordings/{b.json()['id']}").json()["agent_id"] == "a2"


def test_upload_form_errors(server: Server) -> None:
    wav = (DIALOGUES / "dd04.mp3").read_bytes()
    with server.client("upload") as c:
        assert c.post("/v1/recordings", json={"file": "x"}).status_code == 415
        r = c.post("/v1/recordings", data={"agent_id": "a"}, files={"other": ("x", b"1")})
        assert r.status_code == 422 and "file" in r.json()["detail"]
        r = c.post("/v1/recordings", files={"file": ("a.mp3", wav)},
                   data={"agent_channel": "middle"})
        assert r.status_code == 422 and "agent_channel" in r.json()["detail"]
        r = c.post("/v1/recordings", files={"file": ("a.mp3", wav)},
                   data={"scenario": "nope"})
        assert r.status_code == 422 and "scenario" in r.json()["detail"]
        r = c.post("/v1/recordings", content=b"--xx\r\ngarbage\r\n\r\n",
                   headers={"Content-Type": "multipart/form-data; boundary=xx"})
        assert r.status_code in (400, 422), r.text


def test_oversized_upload(server: Server) -> None:
    """The test server's cap is 1 MB: refused up front by Content-Length, and mid-stream
    when the client sends chunks without one."""
    big = b"\0" * (2 * 1024 * 1024)
    with server.client("upload") as c:
        r = c.post("/v1/recordings", files={"file": ("big.wav", big)})
        assert r.status_code == 413 and "MB" in r.json()["detail"]

        def chunks() -> Iterator[bytes]:
            yield b"--bnd\r\nContent-Disposition: form-data; name=\"file\"; " \
                  b"filename=\"big.wav\"\r\n\r\n"
            for _ in range(40):
                yield b"\1" * 65536
            yield b"\r\n--bnd--\r\n"

        try:
            r = c.post("/v1/recordings", content=chunks(),
                       headers={"Content-Type": "multipart/form-data; boundary=bnd"})
            assert r.status_code == 413, r.text
        except httpx.TransportError:
            pass  # the server answered 413 and closed while the client still sent
    leftovers = list((server.data_dir / "tmp").iterdir())
    assert leftovers == []


def _upload(c: httpx.Client, path: Path, **data: str) -> httpx.Response:
    with open(path, "rb") as fh:
        return c.post("/v1/recordings", files={"file": (path.name, fh)}, data=data)


def test_recordings_end_to_end_with_restarts(tmp_path: Path) -> None:
    """Real model. Three uploads; SIGKILL while the first runs; restart: all finish, the
    interrupted one ran twice. Duplicates are not analysed again. SIGTERM while a job runs
    gives it back to the queue; after a restart it finishes, one attempt counted, and the
    old results stay. With no time given to a running job to stop (``job_stop_wait_s`` 0)
    the stop itself queues it again, no attempt counted."""
    srv = Server(tmp_path / "data")
    srv.make_keys()
    srv.start()
    try:
        with srv.client("all") as c:
            r1 = _upload(c, DIALOGUES / "dd01.wav", agent_id="a1", external_id="call-1")
            assert r1.status_code == 202 and r1.json()["status"] == "queued", r1.text
            r2 = _upload(c, DIALOGUES / "dd03.wav", agent_id="a2")
            r3 = _upload(c, DIALOGUES / "dd04.mp3", agent_id="a1")
            ids = [r.json()["id"] for r in (r1, r2, r3)]
            assert len(set(ids)) == 3
            first = wait_for(c, ids[0], ("running", "done"), timeout=120)
            assert first["status"] == "running", first
            srv.kill()  # SIGKILL mid-analysis: no chance to clean up
        srv.start()
        with srv.client("all") as c:
            done = [wait_for(c, i, ("done", "failed"), timeout=180) for i in ids]
            assert [d["status"] for d in done] == ["done"] * 3, done
            assert done[0]["attempts"] == 2  # interrupted once, ran again
            res = done[0]["result"]
            assert res["source"] == "dd01.wav" and res["channels"] == 2
            assert res["utterances"] and {"start", "end", "speaker", "text", "confidence",
                                          "flags"} <= set(res["utterances"][0])
            assert {"score", "missing", "violations", "deductions", "steps", "model",
                    "phrasebank_version", "options", "scenario", "speakers"} <= set(res)
            assert done[0]["score"] == res["score"]
            # the same file with the same options, agent and call: the same recording, not
            # analysed again (for another agent it is another recording)
            dup = _upload(c, DIALOGUES / "dd01.wav", agent_id="a1", external_id="call-1")
            assert dup.status_code == 200 and dup.json()["duplicate"] is True
            assert dup.json()["id"] == ids[0] and dup.json()["status"] == "done"
            # listing: filters and paging
            page = c.get("/v1/recordings", params={"agent_id": "a1"}).json()
            assert page["total"] == 2 and {i["id"] for i in page["items"]} == {ids[0], ids[2]}
            assert "result" not in page["items"][0]
            p2 = c.get("/v1/recordings", params={"limit": 1, "offset": 1}).json()
            assert p2["total"] == 3 and len(p2["items"]) == 1 and p2["items"][0]["id"] == ids[1]
            viol = c.get("/v1/recordings", params={"has_violations": True}).json()
            clean = c.get("/v1/recordings", params={"has_violations": False}).json()
            assert viol["total"] + clean["total"] == 3
            assert all(i["violations"] > 0 for i in viol["items"])
            assert c.get("/v1/recordings", params={"since": "2100-01-01T00:00:00Z"}).json()[
                "total"] == 0
            assert c.get("/v1/recordings", params={"external_id": "call-1"}).json()["total"] == 1
            # other options: a new recording; stop gracefully while it runs
            r4 = _upload(c, DIALOGUES / "dd01.wav", agent_channel="right")
            assert r4.status_code == 202 and r4.json()["id"] not in ids
            assert wait_for(c, r4.json()["id"], ("running", "done"))["status"] == "running"
        srv.stop()  # SIGTERM: the running job is given back to the queue
        # from here no time is given to a running job on a stop: the stop itself gives
        # it back (as when a step outlasts the wait on a loaded machine)
        srv.env["HUASHU_JOB_STOP_WAIT_S"] = "0"
        srv.start()
        with srv.client("all") as c:
            r = wait_for(c, r4.json()["id"], ("done", "failed"), timeout=180)
            assert r["status"] == "done" and r["attempts"] == 1, r
            assert r["result"]["options"]["speech"]["agent_channel"] == "right"
            assert c.get(f"/v1/recordings/{ids[0]}").json()["result"] == res  # kept
        # a phrasebank installed while the model is loaded rebuilds the speech pipeline
        assert httpx.get(srv.url + "/healthz").json()["model_loaded"] is True
        with srv.client("admin") as c:
            bank = c.get("/v1/phrasebank").json()["yaml"]
            assert c.put("/v1/phrasebank", json={"yaml": bank}).status_code == 200
        m = httpx.get(srv.url + "/metrics").text
        assert 'huashu_jobs{status="done"} 4.0' in m
        with srv.client("all") as c:
            r5 = _upload(c, DIALOGUES / "dd03.wav", agent_channel="right")
            assert r5.status_code == 202, r5.text
            assert wait_for(c, r5.json()["id"], ("running", "done"))["status"] == "running"
        srv.stop()
        assert "given back to the queue (stopping before its step ended)" in srv.log()
        # queued again with no attempt counted, read from the database the service left
        assert srv.recording(r5.json()["id"])[:2] == ("queued", 0)
    finally:
        srv.stop()
    assert "Traceback" not in srv.log()
    for k in srv.keys.values():
        assert k not in srv.log()


def test_recordings_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """The service over PostgreSQL: keys, a check, an upload analysed by the real model, a
    restart that keeps the result, and a duplicate."""
    srv = Server(tmp_path / "data", {"HUASHU_DATABASE_URL": pg_url})
    srv.make_keys()
    srv.start()
    try:
        assert httpx.get(srv.url + "/healthz").json()["database"] == "postgresql"
        with srv.client("all") as c:
            assert c.post("/v1/check", json={"text": "快下班了,明天再说。"}).json()[
                "flags"][0]["ref"] == "8.7"
            r = _upload(c, DIALOGUES / "dd04.mp3", agent_id="pg")
            assert r.status_code == 202, r.text
            rid = r.json()["id"]
            done = wait_for(c, rid, ("done", "failed"), timeout=180)
            assert done["status"] == "done" and done["result"]["utterances"], done
        srv.stop()
        srv.start()
        with srv.client("review") as c:
            assert c.get(f"/v1/recordings/{rid}").json()["result"] == done["result"]
            assert c.get("/v1/recordings", params={"agent_id": "pg"}).json()["total"] == 1
        with srv.client("upload") as c:
            dup = _upload(c, DIALOGUES / "dd04.mp3", agent_id="pg")
            assert dup.status_code == 200 and dup.json()["id"] == rid
    finally:
        srv.stop()
    assert not (tmp_path / "data" / "huashu.db").exists()  # nothing went to SQLite
