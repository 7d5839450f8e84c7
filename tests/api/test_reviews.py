"""Reviews over real HTTP against a real ``huashu serve`` and the real Whisper model: flag ids,
verdicts (confirm, reject, add, withdraw; history kept), the reviewed score recomputed from
the reviewed flags, the export (JSON Lines and CSV), precision per ref, listing by review
state and sort, and the audio for the page's player (signed links, byte ranges, transcoding).

The expected scores are derived from the machine report's own deductions and weights, never
copied from an output.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

import phrasebank as pb
from api.audio import Signer

from .conftest import Server, wait_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
TABOO = FIXTURES / "taboo_agent_right.wav"  # A-law WAV: agent on the right, three taboos
GREET = FIXTURES / "greet.wav"  # PCM WAV, mono: one greeting line
VIOLATION_KINDS = ("taboo", "discipline")
# The dispatcher template has three steps: the missing steps and unanswered triggers leave
# room under 100 for the taboo deductions to show (on site, five missing steps floor it at 0).
SCENARIO = "appointment_dispatcher"


class Ctx:
    def __init__(self, srv: Server, taboo: dict[str, Any], greet: dict[str, Any],
                 queued_verdict: httpx.Response) -> None:
        self.srv = srv
        self.rid = taboo["id"]
        self.taboo = taboo
        self.greet = greet
        self.queued_verdict = queued_verdict


def _upload(c: httpx.Client, path: Path, **data: str) -> str:
    r = c.post("/v1/recordings", files={"file": (path.name, path.read_bytes())}, data=data)
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ctx]:
    """One server, two recordings analysed by the real model (shared by the module)."""
    srv = Server(tmp_path_factory.mktemp("reviews"))
    srv.make_keys()
    srv.start()
    try:
        with srv.client("all") as c:
            rid = _upload(c, TABOO, agent_channel="right", agent_id="agent-r",
                          scenario=SCENARIO)
            gid = _upload(c, GREET, agent_id="agent-g")
            # The greeting waits behind the first job (and the model's loading): a verdict
            # on a recording not analysed yet is refused.
            assert c.get(f"/v1/recordings/{gid}").json()["status"] == "queued"
            queued = c.post(f"/v1/recordings/{gid}/verdicts",
                            json={"flag_id": "0:1.1.1:0", "verdict": "confirmed"})
            taboo = wait_for(c, rid, ("done", "failed"), timeout=300)
            greet = wait_for(c, gid, ("done", "failed"), timeout=300)
        assert taboo["status"] == "done" and greet["status"] == "done", (taboo, greet)
        yield Ctx(srv, taboo, greet, queued)
    finally:
        srv.stop()
    log = srv.log()
    assert "Traceback" not in log and "unhandled error" not in log


# -- helpers ---------------------------------------------------------------------------------
def _flags(rec: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for u in rec["result"]["utterances"] for f in u["flags"]]


def _violation_ids(rec: dict[str, Any]) -> list[str]:
    return [f["id"] for f in _flags(rec) if f["kind"] in VIOLATION_KINDS]


def _points_of(rec: dict[str, Any], fid: str) -> int:
    """The machine report's deduction for the violation flag ``fid``."""
    i, ref, _ = fid.split(":")
    ds = [d for d in rec["result"]["deductions"]
          if d["reason"] == "violation" and d["turn"] == int(i) and d["refs"] == [ref]]
    assert len(ds) == 1, (fid, rec["result"]["deductions"])
    return int(ds[0]["points"])


def _expected(rec: dict[str, Any], rejected: set[str], added_points: int = 0) -> int:
    """100 minus the machine deductions left after ``rejected``, minus added ones."""
    total = sum(d["points"] for d in rec["result"]["deductions"])
    return max(0, 100 - (total - sum(_points_of(rec, f) for f in rejected) + added_points))


def _reset(c: httpx.Client, rid: str) -> None:
    """Withdraw every current verdict of a recording."""
    for row in c.get(f"/v1/recordings/{rid}/verdicts").json()["items"]:
        if row["current"]:
            r = c.delete(f"/v1/recordings/{rid}/verdicts/{quote(row['flag_id'], safe='')}")
            assert r.status_code == 200, r.text


def _post(c: httpx.Client, rid: str, **body: Any) -> dict[str, Any]:
    r = c.post(f"/v1/recordings/{rid}/verdicts", json=body)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    assert set(out) == {"review", "reviewed", "verdict"}
    return out


def _plain_agent_utterance(rec: dict[str, Any], ref: str) -> int:
    """An agent utterance without a flag of ``ref`` (to add one on)."""
    for u in rec["result"]["utterances"]:
        if u["speaker"] == "agent" and all(f["ref"] != ref for f in u["flags"]):
            return int(u["index"])
    raise AssertionError("no agent utterance to add a flag on")


# -- flag ids and the review object ----------------------------------------------------------
def test_flags_have_ids_and_review(ctx: Ctx) -> None:
    with ctx.srv.client("review") as c:
        _reset(c, ctx.rid)
        rec = c.get(f"/v1/recordings/{ctx.rid}").json()
        lst = c.get("/v1/recordings").json()
    res = rec["result"]
    assert res["scenario"] == SCENARIO
    assert len(_violation_ids(rec)) >= 2, "the fixture's taboos were not flagged"
    for i, u in enumerate(res["utterances"]):
        assert u["index"] == i
        for f in u["flags"]:
            assert f["id"] == f"{i}:{f['ref']}:{f['span'][0]}"
            assert "verdict" not in f
    ids = [f["id"] for f in _flags(rec)]
    assert len(ids) == len(set(ids))
    assert rec["review"] == {"state": "unreviewed", "machine_score": rec["score"],
                             "reviewed_score": None, "verdicts": 0, "updated_at": None}
    # with no verdict the reviewed report is the machine one (one scoring code path)
    for k in ("score", "steps", "missing", "out_of_order", "triggers", "violations",
              "deductions"):
        assert rec["reviewed"][k] == res[k], k
    assert rec["added"] == []
    assert rec["audio_url"].startswith(f"/v1/recordings/{ctx.rid}/audio?sig=")
    row = next(r for r in lst["items"] if r["id"] == ctx.rid)
    assert {"scenario", "duration", "agent_id", "created_at", "score", "violations",
            "status", "filename", "review"} <= set(row)
    assert row["review"] == rec["review"]


# -- verdicts and the reviewed score ---------------------------------------------------------
def test_reviewed_score_follows_verdicts(ctx: Ctx) -> None:
    rec, rid = ctx.taboo, ctx.rid
    viol = _violation_ids(rec)
    x, others = viol[0], set(viol[1:])
    px = _points_of(rec, x)
    with ctx.srv.client("review") as c:
        _reset(c, rid)
        # confirming keeps the machine's score
        out = _post(c, rid, flag_id=x, verdict="confirmed", comment="对,是禁语")
        assert out["review"]["reviewed_score"] == rec["score"] == out["reviewed"]["score"]
        assert out["review"]["machine_score"] == rec["score"]
        assert out["review"]["state"] == "partial" and out["review"]["verdicts"] == 1
        v = out["verdict"]
        assert (v["flag_id"], v["verdict"], v["reviewer"], v["comment"]) == (
            x, "confirmed", "test-review", "对,是禁语")
        at = datetime.fromisoformat(v["at"].replace("Z", "+00:00"))
        assert at.tzinfo is not None and abs(datetime.now(UTC) - at) < timedelta(minutes=2)

        # reject the others: the score is 100 less what is left
        for fid in others:
            out = _post(c, rid, flag_id=fid, verdict="rejected")
        base = _expected(rec, others)
        assert out["review"]["reviewed_score"] == base
        assert out["review"]["state"] == "reviewed"  # every violation flag has a verdict
        assert base > 0, "the fixture leaves no room to see the deduction"

        # rejecting x raises the reviewed score by exactly its deduction
        out = _post(c, rid, flag_id=x, verdict="rejected", comment="听错了")
        assert out["review"]["reviewed_score"] == min(100, base + px) == _expected(
            rec, set(viol))
        assert all(d["turn"] != int(x.split(":")[0]) or d["reason"] != "violation"
                   for d in out["reviewed"]["deductions"])
        assert out["review"]["verdicts"] == len(viol)  # replaced, not added to
        high = out["review"]["reviewed_score"]

        # an added flag lowers it by its deduction (a taboo's, like the machine's)
        u = _plain_agent_utterance(rec, "8.3")
        out = _post(c, rid, utterance=u, ref="8.3", verdict="added", comment="漏了")
        d = [d for d in out["reviewed"]["deductions"]
             if d["reason"] == "violation" and d["refs"] == ["8.3"] and d["turn"] == u]
        assert len(d) == 1 and d[0]["points"] == px  # both are taboos
        assert out["review"]["reviewed_score"] == high - px
        assert out["verdict"]["flag_id"] == f"{u}:8.3:added"
        assert out["verdict"]["kind"] == "taboo"
        assert out["verdict"]["standard"] == pb.load().entry("8.3").text  # type: ignore[union-attr]
        assert out["review"]["machine_score"] == rec["score"]  # the machine's is kept

        # the recording shows it all
        got = c.get(f"/v1/recordings/{rid}").json()
        assert got["score"] == rec["score"]
        assert got["review"] == out["review"]
        assert got["reviewed"] == out["reviewed"]
        by_id = {f["id"]: f for f in _flags(got)}
        assert by_id[x]["verdict"]["verdict"] == "rejected"
        assert by_id[x]["verdict"]["comment"] == "听错了"
        assert by_id[x]["verdict"]["reviewer"] == "test-review"
        assert [a["flag_id"] for a in got["added"]] == [f"{u}:8.3:added"]
        listed = next(r for r in c.get("/v1/recordings").json()["items"] if r["id"] == rid)
        assert listed["review"] == got["review"]


def test_history_kept_and_withdrawal(ctx: Ctx) -> None:
    rid = ctx.rid
    x = _violation_ids(ctx.taboo)[0]
    with ctx.srv.client("review") as c:
        _reset(c, rid)
        before = len(c.get(f"/v1/recordings/{rid}/verdicts").json()["items"])
        _post(c, rid, flag_id=x, verdict="confirmed")
        _post(c, rid, flag_id=x, verdict="rejected", comment="改判")
        r = c.delete(f"/v1/recordings/{rid}/verdicts/{quote(x, safe='')}")
        assert r.status_code == 200, r.text
        assert r.json()["verdict"]["verdict"] == "withdrawn"
        assert r.json()["review"] == {**r.json()["review"], "state": "unreviewed",
                                      "reviewed_score": None, "verdicts": 0}
        rows = c.get(f"/v1/recordings/{rid}/verdicts").json()["items"]
        mine = [(row["verdict"], row["comment"], row["current"]) for row in rows[before:]]
        assert mine == [("confirmed", None, False), ("rejected", "改判", False),
                        ("withdrawn", None, False)]
        assert [row["id"] for row in rows] == sorted(row["id"] for row in rows)
        flag = next(f for f in _flags(c.get(f"/v1/recordings/{rid}").json())
                    if f["id"] == x)
        assert "verdict" not in flag
        # nothing left to withdraw
        r = c.delete(f"/v1/recordings/{rid}/verdicts/{quote(x, safe='')}")
        assert r.status_code == 404 and x in r.json()["detail"]


def test_verdict_errors(ctx: Ctx) -> None:
    rid = ctx.rid
    x = _violation_ids(ctx.taboo)[0]
    n_utts = len(ctx.taboo["result"]["utterances"])
    assert ctx.queued_verdict.status_code == 409, ctx.queued_verdict.text
    assert "queued" in ctx.queued_verdict.json()["detail"]
    url = f"/v1/recordings/{rid}/verdicts"
    with ctx.srv.client("review") as c:
        _reset(c, rid)
        r = c.post("/v1/recordings/" + "0" * 32 + "/verdicts",
                   json={"flag_id": x, "verdict": "confirmed"})
        assert r.status_code == 404
        assert c.post("/v1/recordings/nope/verdicts",
                      json={"flag_id": x, "verdict": "confirmed"}).status_code == 404
        r = c.post(url, json={"flag_id": "0:8.8:99", "verdict": "rejected"})
        assert r.status_code == 422 and "0:8.8:99" in r.json()["detail"]
        r = c.post(url, json={"flag_id": x, "verdict": "maybe"})
        assert r.status_code == 422 and "maybe" in json.dumps(r.json(), ensure_ascii=False)
        r = c.post(url, json={"flag_id": x, "verdict": "confirmed", "comment": "长" * 2001})
        assert r.status_code == 422 and "comment" in json.dumps(r.json()["detail"])
        r = c.post(url, json={"utterance": 0, "ref": "99.9", "verdict": "added"})
        assert r.status_code == 422 and "99.9" in r.json()["detail"]
        r = c.post(url, json={"utterance": n_utts, "ref": "8.3", "verdict": "added"})
        assert r.status_code == 422 and str(n_utts) in r.json()["detail"]
        fi, fref, _ = x.split(":")
        r = c.post(url, json={"utterance": int(fi), "ref": fref, "verdict": "added"})
        assert r.status_code == 422 and x in r.json()["detail"]  # confirm it instead
        r = c.post(url, json={"flag_id": x, "verdict": "confirmed", "utterance": 1})
        assert r.status_code == 422 and "utterance" in json.dumps(r.json()["detail"])
        r = c.post(url, json={"flag_id": x})
        assert r.status_code == 422 and "verdict" in json.dumps(r.json()["detail"])
        r = c.post(url, content=b'{"flag_id": "', headers={"Content-Type": "application/json"})
        assert r.status_code == 422 and "json" in json.dumps(r.json()["detail"]).lower()
        r = c.post(url, json={"flag_id": x, "verdict": "confirmed", "comment": "a\x00b"})
        assert r.status_code == 422 and "NUL" in json.dumps(r.json()["detail"])
        r = c.delete(f"/v1/recordings/{rid}/verdicts/{quote('0:8.8:99', safe='')}")
        assert r.status_code == 404
    with ctx.srv.client("upload") as c:
        assert c.post(url, json={"flag_id": x, "verdict": "confirmed"}).status_code == 403
    with ctx.srv.client(None) as c:
        assert c.post(url, json={"flag_id": x, "verdict": "confirmed"}).status_code == 401
    assert httpx.get(ctx.srv.url + "/healthz").status_code == 200  # still up
    with ctx.srv.client("review") as c:  # and none of it was stored
        assert c.get(f"/v1/recordings/{rid}").json()["review"]["verdicts"] == 0


# -- export and precision --------------------------------------------------------------------
def test_export_rows_equal_verdicts(ctx: Ctx) -> None:
    rid = ctx.rid
    viol = _violation_ids(ctx.taboo)
    u = _plain_agent_utterance(ctx.taboo, "8.3")
    with ctx.srv.client("review") as c:
        _reset(c, rid)
        _post(c, rid, flag_id=viol[0], verdict="confirmed")  # replaced below
        posted = {viol[0]: _post(c, rid, flag_id=viol[0], verdict="rejected",
                                 comment='ASR 听错, "快下班"\n第二行')["verdict"],
                  viol[1]: _post(c, rid, flag_id=viol[1], verdict="confirmed")["verdict"]}
        added = _post(c, rid, utterance=u, ref="8.3", verdict="added")
        posted[added["verdict"]["flag_id"]] = added["verdict"]
        scores = added["review"]
        if len(viol) > 2:  # a withdrawn verdict is not exported
            _post(c, rid, flag_id=viol[2], verdict="confirmed")
            c.delete(f"/v1/recordings/{rid}/verdicts/{quote(viol[2], safe='')}")

        r = c.get("/v1/reviews", params={"recording_id": rid})
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/x-ndjson")
        rows = [json.loads(line) for line in r.text.splitlines()]
        expect = [{**v, "machine_score": scores["machine_score"],
                   "reviewed_score": scores["reviewed_score"]} for v in posted.values()]
        assert sorted(rows, key=lambda x: x["id"]) == sorted(expect, key=lambda x: x["id"])
        assert [x["id"] for x in rows] == sorted(x["id"] for x in rows)

        r = c.get("/v1/reviews", params={"recording_id": rid, "format": "csv"})
        assert r.status_code == 200
        assert r.headers["content-type"] == "text/csv; charset=utf-8"
        table = list(csv.DictReader(io.StringIO(r.content.decode("utf-8"), newline="")))
        assert list(table[0]) == list(rows[0])  # the header row: the JSON keys, in order
        assert table == [{k: "" if v is None else str(v) for k, v in row.items()}
                         for row in rows]

        only = c.get("/v1/reviews", params={"ref": "8.3", "recording_id": rid}).text
        assert [json.loads(x)["flag_id"] for x in only.splitlines()] == [f"{u}:8.3:added"]
        assert c.get("/v1/reviews", params={"agent_id": "nobody"}).text == ""
        soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        assert c.get("/v1/reviews", params={"since": soon}).text == ""
        assert len(c.get("/v1/reviews", params={"until": soon}).text.splitlines()) >= 3
        assert c.get("/v1/reviews", params={"format": "xml"}).status_code == 422
        assert c.get("/v1/reviews", params={"since": soon, "until": "2020-01-01T00:00:00Z"}
                     ).status_code == 422
        assert c.get("/v1/reviews", params={"recording_id": "x"}).status_code == 422
        assert c.get("/v1/reviews", params={"since": "yesterday"}).status_code == 422
    with ctx.srv.client("upload") as c:
        assert c.get("/v1/reviews").status_code == 403


def test_precision_counts(ctx: Ctx) -> None:
    rid = ctx.rid
    viol = _violation_ids(ctx.taboo)
    u = _plain_agent_utterance(ctx.taboo, "8.3")
    with ctx.srv.client("review") as c:
        _reset(c, rid)
        _post(c, rid, flag_id=viol[0], verdict="rejected")
        _post(c, rid, flag_id=viol[1], verdict="confirmed")
        _post(c, rid, utterance=u, ref="8.3", verdict="added")
        rep = c.get("/v1/reviews/precision", params={"agent_id": "agent-r"}).json()
        everyone = c.get("/v1/reviews/precision").json()
        none = c.get("/v1/reviews/precision",
                     params={"since": (datetime.now(UTC) + timedelta(hours=1)).isoformat()})
    judged = {viol[0]: "rejected", viol[1]: "confirmed"}
    expect: dict[str, dict[str, int]] = {}
    for f in _flags(ctx.taboo):
        e = expect.setdefault(f["ref"], {"flagged": 0, "confirmed": 0, "rejected": 0,
                                         "added": 0})
        e["flagged"] += 1
        if f["id"] in judged:
            e[judged[f["id"]]] += 1
    expect.setdefault("8.3", {"flagged": 0, "confirmed": 0, "rejected": 0, "added": 0})
    expect["8.3"]["added"] += 1
    got = {r["ref"]: r for r in rep["refs"]}
    assert set(got) == set(expect)
    for ref, e in expect.items():
        row = got[ref]
        assert {k: row[k] for k in e} == e, ref
        assert row["unreviewed"] == e["flagged"] - e["confirmed"] - e["rejected"]
        n = e["confirmed"] + e["rejected"]
        assert row["precision"] == (e["confirmed"] / n if n else None)
        assert row["standard"] == pb.load().standard_text(ref)
    total = rep["total"]
    for k in ("flagged", "confirmed", "rejected", "added", "unreviewed"):
        assert total[k] == sum(r[k] for r in rep["refs"])
    assert total["precision"] == total["confirmed"] / (total["confirmed"] + total["rejected"])
    # the greeting recording's flags count too when no agent is asked for
    greet_flags = len(_flags(ctx.greet))
    assert everyone["total"]["flagged"] == total["flagged"] + greet_flags
    assert none.json()["refs"] == [] and none.json()["total"]["precision"] is None


# -- listing ---------------------------------------------------------------------------------
def test_listing_by_review_state_and_sort(ctx: Ctx) -> None:
    rid, gid = ctx.rid, ctx.greet["id"]
    viol = _violation_ids(ctx.taboo)
    with ctx.srv.client("review") as c:
        _reset(c, rid)
        _reset(c, gid)

        def ids(**params: Any) -> list[str]:
            r = c.get("/v1/recordings", params=params)
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["total"] == len(body["items"]) or "limit" in params
            return [i["id"] for i in body["items"]]

        assert set(ids(review_state="unreviewed")) == {rid, gid}
        assert ids(review_state="reviewed") == []
        _post(c, rid, flag_id=viol[0], verdict="confirmed")
        assert ids(review_state="partial") == [rid]
        for fid in viol[1:]:
            _post(c, rid, flag_id=fid, verdict="rejected")
        assert ids(review_state="reviewed") == [rid]
        assert ids(unreviewed=True) == [gid]
        assert ids(unreviewed=False) == [rid]
        assert ids(unreviewed=True, agent_id="agent-r") == []

        rows = {r["id"]: r for r in c.get("/v1/recordings").json()["items"]}
        for key in ("score", "duration", "violations", "agent_id", "created_at",
                    "reviewed_score"):
            for desc in (False, True):
                got = ids(sort=("-" if desc else "") + key)
                vals = [rows[i][key] if key != "reviewed_score"
                        else rows[i]["review"]["reviewed_score"] for i in got]
                present = [v for v in vals if v is not None]
                assert present == sorted(present, reverse=desc), (key, desc, vals)
                assert vals[len(present):] == [None] * (len(vals) - len(present))  # last
        assert ids() == ids(sort="-created_at")
        assert ids(sort="created_at") == list(reversed(ids(sort="-created_at")))
        assert c.get("/v1/recordings", params={"sort": "filename"}).status_code == 422
        assert c.get("/v1/recordings", params={"review_state": "done"}).status_code == 422
        assert ids(sort="score", limit=1, offset=1) == ids(sort="score")[1:2]


# -- audio -----------------------------------------------------------------------------------
def test_audio_ranges_and_links(ctx: Ctx) -> None:
    greet = GREET.read_bytes()
    size = len(greet)
    with ctx.srv.client("review") as c:
        url = c.get(f"/v1/recordings/{ctx.greet['id']}").json()["audio_url"]
    with httpx.Client(base_url=ctx.srv.url, timeout=60) as anon:  # no key: the sig only
        r = anon.get(url)
        assert r.status_code == 200 and r.content == greet
        assert r.headers["content-type"] == "audio/wav"
        assert r.headers["accept-ranges"] == "bytes"
        r = anon.get(url, headers={"Range": "bytes=100-1099"})
        assert r.status_code == 206 and r.content == greet[100:1100]
        assert r.headers["content-range"] == f"bytes 100-1099/{size}"
        r = anon.get(url, headers={"Range": "bytes=-300"})
        assert r.status_code == 206 and r.content == greet[-300:]
        r = anon.get(url, headers={"Range": f"bytes={size - 10}-"})
        assert r.status_code == 206 and r.content == greet[-10:]
        r = anon.get(url, headers={"Range": f"bytes={size - 10}-{size + 500}"})
        assert r.status_code == 206 and r.content == greet[-10:]
        for bad in (f"bytes={size}-", "bytes=500-100", "bytes=abc", "bytes=-0"):
            r = anon.get(url, headers={"Range": bad})
            assert r.status_code == 416, bad
            assert r.headers["content-range"] == f"bytes */{size}"
        r = anon.head(url)
        assert r.status_code == 200 and r.headers["content-length"] == str(size)

        # links: a tampered, an expired, another recording's, none at all
        exp, mac = url.split("sig=")[1].split(".")
        flipped = mac[:-1] + ("0" if mac[-1] != "0" else "1")
        assert anon.get(url.replace(mac, flipped)).status_code == 403
        secret = (ctx.srv.data_dir / "signing.key").read_text().strip().encode()
        old = Signer(secret).sign(ctx.greet["id"], now=time.time() - 7200)
        r = anon.get(f"/v1/recordings/{ctx.greet['id']}/audio", params={"sig": old})
        assert r.status_code == 403 and "expired" in r.json()["detail"]
        r = anon.get(f"/v1/recordings/{ctx.rid}/audio", params={"sig": f"{exp}.{mac}"})
        assert r.status_code == 403
        assert anon.get(f"/v1/recordings/{ctx.greet['id']}/audio").status_code == 401
        r = anon.get(f"/v1/recordings/{ctx.greet['id']}/audio",
                     headers={"Authorization": f"Bearer {ctx.srv.keys['check']}"})
        assert r.status_code == 403
    with ctx.srv.client("upload") as c:  # a Bearer key works too
        r = c.get(f"/v1/recordings/{ctx.greet['id']}/audio")
        assert r.status_code == 200 and r.content == greet
        assert c.get("/v1/recordings/" + "0" * 32 + "/audio").status_code == 404


def test_audio_transcoded_once(ctx: Ctx) -> None:
    """A-law WAV does not play in browsers: served as 16-bit PCM WAV, made once."""
    import av

    with ctx.srv.client("review") as c:
        url = c.get(f"/v1/recordings/{ctx.rid}").json()["audio_url"]
        first = c.get(url)
        cached = list((ctx.srv.data_dir / "audio-cache").glob("*.wav"))
        mtime = cached[0].stat().st_mtime_ns if cached else None
        again = c.get(url)
        part = c.get(url, headers={"Range": "bytes=44-143"})
    assert first.status_code == 200 and first.headers["content-type"] == "audio/wav"
    assert first.content != TABOO.read_bytes() and first.content[:4] == b"RIFF"
    with av.open(io.BytesIO(first.content)) as out, av.open(str(TABOO)) as src:
        o, s = out.streams.audio[0], src.streams.audio[0]
        assert o.codec_context.name == "pcm_s16le"
        assert o.codec_context.sample_rate == s.codec_context.sample_rate
        assert len(o.codec_context.layout.channels) == 2
        d_out = float(o.duration * o.time_base)  # type: ignore[operator]
        d_src = float(s.duration * s.time_base)  # type: ignore[operator]
        assert abs(d_out - d_src) < 0.05
    assert len(cached) == 1 and cached[0].stat().st_mtime_ns == mtime  # not made again
    assert again.content == first.content
    assert part.status_code == 206 and part.content == first.content[44:144]


# -- PostgreSQL ------------------------------------------------------------------------------
def test_verdicts_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """Verdicts over PostgreSQL: kept across a restart, exported, counted."""
    srv = Server(tmp_path / "data", {"HUASHU_DATABASE_URL": pg_url})
    srv.make_keys()
    srv.start()
    try:
        with srv.client("all") as c:
            rid = _upload(c, TABOO, agent_channel="right", agent_id="pg-agent",
                          scenario=SCENARIO)
            rec = wait_for(c, rid, ("done", "failed"), timeout=300)
            assert rec["status"] == "done", rec
            viol = _violation_ids(rec)
            for fid in viol:
                out = _post(c, rid, flag_id=fid, verdict="rejected")
            assert out["review"]["reviewed_score"] == _expected(rec, set(viol))
            assert out["review"]["state"] == "reviewed"
            _post(c, rid, flag_id=viol[0], verdict="confirmed")
        srv.stop()
        srv.start()
        with srv.client("review") as c:
            got = c.get(f"/v1/recordings/{rid}").json()
            assert got["review"]["reviewed_score"] == _expected(rec, set(viol[1:]))
            assert got["review"]["verdicts"] == len(viol)
            rows = [json.loads(x) for x in c.get("/v1/reviews").text.splitlines()]
            assert {(r["flag_id"], r["verdict"]) for r in rows} == {
                (viol[0], "confirmed"), *((f, "rejected") for f in viol[1:])}
            hist = c.get(f"/v1/recordings/{rid}/verdicts").json()["items"]
            assert len(hist) == len(viol) + 1
            p = c.get("/v1/reviews/precision").json()["total"]
            assert (p["confirmed"], p["rejected"]) == (1, len(viol) - 1)
            assert c.get("/v1/recordings", params={"review_state": "reviewed"}).json()[
                "total"] == 1
    finally:
        srv.stop()
    assert "Traceback" not in srv.log()


# -- the migration ---------------------------------------------------------------------------
@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_migration_backfills_flags(ctx: Ctx, dialect: str, request: pytest.FixtureRequest,
                                   tmp_path: Path) -> None:
    """A database at 0001 with a finished recording: 0002 writes its flags and leaves it
    unreviewed."""
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from api.db import MIGRATIONS, Database, migrate

    url = (f"sqlite:///{tmp_path / 'old.db'}" if dialect == "sqlite"
           else request.getfixturevalue("pg_url"))
    db = Database(url)
    try:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
        result = dict(ctx.taboo["result"])
        now = datetime.now(UTC)
        with db.engine.begin() as conn:
            for rid, status in (("a" * 32, "done"), ("b" * 32, "queued")):
                conn.execute(sa.text(
                    "INSERT INTO recordings (id, dedupe_key, sha256, path, filename, size, "
                    "format, duration, channels, agent_channel, status, attempts, created_at, "
                    "score, result) VALUES (:id, :id, :id, '/x.wav', 'x.wav', 1, 'wav', 1.0, "
                    "2, 'right', :st, 1, :now, :score, :result)"),
                    {"id": rid, "st": status, "now": now, "score": ctx.taboo["score"],
                     "result": json.dumps(result, ensure_ascii=False) if status == "done"
                     else None})
        migrate(db.engine)
        with db.engine.connect() as conn:
            flags = sorted(tuple(r) for r in conn.execute(sa.text(
                "SELECT recording_id, flag_id, utterance, ref, kind FROM recording_flags")))
            state = sorted(tuple(r) for r in conn.execute(sa.text(
                "SELECT id, review_state, reviewed_score, review_verdicts FROM recordings")))
        expect = sorted(("a" * 32, f"{i}:{f['ref']}:{f['span'][0]}", i, f["ref"], f["kind"])
                        for i, u in enumerate(result["utterances"]) for f in u["flags"])
        assert flags == expect and len(expect) >= 2
        assert state == [("a" * 32, "unreviewed", None, 0), ("b" * 32, "unreviewed", None, 0)]
    finally:
        db.dispose()


@pytest.mark.parametrize("name,transcoded", [
    ("greet.wav", False), ("greet_44k.mp3", False), ("greet.ogg", False),
    ("greet.flac", False), ("greet.m4a", False),
    ("greet.amr", True), ("greet_mulaw.wav", True), ("call_stereo_alaw.wav", True)])
def test_playable_formats(name: str, transcoded: bool, tmp_path: Path) -> None:
    """What browsers play is served as it is; the rest becomes PCM WAV of the same length."""
    import av

    from api.audio import playable

    src = FIXTURES / name
    p = playable(src, f"sha-{name}", tmp_path)
    assert p.transcoded is transcoded
    if not transcoded:
        assert p.path == src
        return
    assert p.path.parent == tmp_path and p.media_type == "audio/wav"
    with av.open(str(p.path)) as out, av.open(str(src)) as orig:
        o, s = out.streams.audio[0], orig.streams.audio[0]
        assert o.codec_context.name == "pcm_s16le"
        assert len(o.codec_context.layout.channels) == min(2, len(s.codec_context.layout.channels))
        n = sum(f.samples for f in out.decode(o))
        m = sum(f.samples for f in orig.decode(s))
        assert abs(n / o.codec_context.sample_rate - m / s.codec_context.sample_rate) < 0.05
    assert playable(src, f"sha-{name}", tmp_path).path.stat().st_mtime_ns == \
        p.path.stat().st_mtime_ns  # made once


# -- speakers of a mono recording ------------------------------------------------------------
def test_swapping_the_speakers_of_a_mono_recording_rescores_it(ctx: Ctx) -> None:
    """A reviewer who hears that the voices were told the wrong way round swaps them: the
    words are matched again under the new speakers (an agent-only line said by the customer
    is no line), the machine score follows, a verdict on a flag that is gone is withdrawn
    (its history kept), and a second swap restores the recording."""
    gid = ctx.greet["id"]
    with ctx.srv.client("review") as c:
        _reset(c, gid)
        before = c.get(f"/v1/recordings/{gid}").json()
        res = before["result"]
        assert res["speakers"] == "inferred"
        agent_said = [(u["index"], f) for u in res["utterances"] if u["speaker"] == "agent"
                      for f in u["flags"] if f["kind"] == "script"]
        assert agent_said, "the greeting was not credited to the agent"
        i, line = agent_said[0]
        _post(c, gid, flag_id=line["id"], verdict="confirmed")
        n_rows = len(c.get(f"/v1/recordings/{gid}/verdicts").json()["items"])

        r = c.post(f"/v1/recordings/{gid}/speakers/swap")
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["withdrawn"] == [line["id"]]
        assert out["speaker_attribution"]["swapped"] is True
        after = c.get(f"/v1/recordings/{gid}").json()
        swapped = {"agent": "customer", "customer": "agent", "unknown": "unknown"}
        assert [u["speaker"] for u in after["result"]["utterances"]] == \
            [swapped[u["speaker"]] for u in res["utterances"]]
        assert not any(f["ref"] == line["ref"] for f in _flags(after))  # customers say no line
        assert after["score"] == out["score"] == after["review"]["machine_score"]
        assert after["score"] != before["score"]
        assert after["result"]["speaker_attribution"]["swapped_by"] == "test-review"
        for key in ("opened_by", "nearer_voice"):  # the evidence names the speakers anew
            was = res["speaker_attribution"].get(key)
            assert after["result"]["speaker_attribution"].get(key) == swapped.get(was, was)
        # talk time is measured again on the stored speech, its speakers exchanged
        talk, talk_after = res["analytics"]["talk_s"], after["result"]["analytics"]["talk_s"]
        assert res["analytics"]["speech"]
        assert (talk_after["agent"], talk_after["customer"]) == \
            (talk["customer"], talk["agent"])
        rows = c.get(f"/v1/recordings/{gid}/verdicts").json()["items"]
        assert len(rows) == n_rows + 1 and rows[-1]["verdict"] == "withdrawn"
        assert rows[-1]["flag_id"] == line["id"] and not rows[-1]["current"]
        listed = next(x for x in c.get("/v1/recordings").json()["items"] if x["id"] == gid)
        assert listed["score"] == after["score"]

        r = c.post(f"/v1/recordings/{gid}/speakers/swap")
        assert r.status_code == 200 and r.json()["withdrawn"] == []
        back = c.get(f"/v1/recordings/{gid}").json()
        assert back["score"] == before["score"]
        assert [(u["speaker"], [f["id"] for f in u["flags"]])
                for u in back["result"]["utterances"]] == \
            [(u["speaker"], [f["id"] for f in u["flags"]]) for u in res["utterances"]]
        assert back["result"]["speaker_attribution"]["swapped"] is False

        # a stereo call's speakers are its channels; an unknown recording is not found
        r = c.post(f"/v1/recordings/{ctx.rid}/speakers/swap")
        assert r.status_code == 409 and "stereo" in r.json()["detail"]
        assert c.post("/v1/recordings/0123456789abcdef0123456789abcdef/speakers/swap"
                      ).status_code == 404
    with ctx.srv.client("upload") as c:  # reviewing is a scope of its own
        assert c.post(f"/v1/recordings/{gid}/speakers/swap").status_code == 403
