"""Learning from reviewers (issue 13): a rejected flag suggests a guard, an added one a
variant; each suggestion is tried on every stored utterance before it is saved, listed by
``GET /v1/reviews/suggestions`` and ``huashu phrasebank suggest``, installed by an admin.

Recordings are put into the database through the job queue's real code path with results
scored by the real analyzer (tests/web/seed.py); the server is a real ``huashu serve``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from analyzer import Analyzer
from analyzer.adherence import Turn

from ..web.seed import insert_done, result_for
from .conftest import Server

LOOK_ALIKE = "你们应该注意安全"  # the reviewer: advice, not 8.5's 你们应该…
ALSO_ADVICE = "你们应该注意安全用电"
STILL_TABOO = "你们应该自己检查一下"
MISSED = "您受累把回执单上的评价写一下"  # the reviewer: this is 5.14


def _turns(texts: list[str]) -> list[Turn]:
    return [Turn(speaker="agent", text=t, start=i * 4.0, end=i * 4.0 + 3.0)
            for i, t in enumerate(texts)]


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data = tmp_path_factory.mktemp("suggest")
    an = Analyzer.load()
    first = insert_done(data, result_for(an, _turns([LOOK_ALIKE, MISSED])), filename="a.wav")
    insert_done(data, result_for(an, _turns([ALSO_ADVICE, STILL_TABOO])), filename="b.wav")
    server = Server(data)
    server.make_keys()
    server.start()
    try:
        yield {"server": server, "rid": first}
    finally:
        server.stop()


def test_verdicts_become_tested_suggestions_and_an_admin_installs_one(srv):
    server, rid = srv["server"], srv["rid"]
    with server.client("review") as c:
        rec = c.get(f"/v1/recordings/{rid}").json()
        [flag] = [f for f in rec["result"]["utterances"][0]["flags"] if f["ref"] == "8.5"]
        assert c.post(f"/v1/recordings/{rid}/verdicts",
                      json={"flag_id": flag["id"], "verdict": "rejected"}).status_code == 200
        assert c.post(f"/v1/recordings/{rid}/verdicts",
                      json={"utterance": 1, "ref": "5.14", "verdict": "added"}).status_code == 200
        body = c.get("/v1/reviews/suggestions").json()
    assert body["tested_on"] == 4
    by_action = {s["action"]: s for s in body["suggestions"]}
    guard, variant = by_action["guard"], by_action["variant"]
    assert guard["ref"] == "8.5" and guard["target"] == "entries[ref 8.5].guards"
    assert guard["item"].replace(" ", "").startswith("你们应该")
    # tried on every stored utterance: the look-alike and its like lose 8.5, the taboo keeps it
    assert guard["test"]["fixes"] is True
    assert guard["test"]["adds"] == 0 and guard["test"]["removes"] == 2
    assert set(guard["test"]["remove_examples"]) == {LOOK_ALIKE, ALSO_ADVICE}
    assert variant["ref"] == "5.14" and variant["test"]["fixes"] is True
    assert variant["test"]["adds"] == 1 and variant["test"]["add_examples"] == [MISSED]
    assert all("审核员" in s["reason"] for s in body["suggestions"])

    with server.client("review") as c:  # reviewers see suggestions; installing is an admin's
        r = c.post(f"/v1/phrasebank/suggestions/{guard['id']}/apply")
        assert r.status_code == 403
    with server.client("admin") as c:
        before = c.get("/v1/phrasebank").json()["version"]
        r = c.post(f"/v1/phrasebank/suggestions/{guard['id']}/apply")
        assert r.status_code == 200, r.text
        after = r.json()["version"]
        assert after != before
        assert c.post("/v1/phrasebank/suggestions/0123456789ab/apply").status_code == 404
    with server.client("check") as c:
        assert c.post("/v1/check", json={"text": LOOK_ALIKE}).json()["flags"] == []
        assert [f["ref"] for f in c.post("/v1/check", json={"text": STILL_TABOO})
                .json()["flags"]] == ["8.5"]
    with server.client("review") as c:  # the guard is in the bank now: no longer offered
        left = c.get("/v1/reviews/suggestions").json()
    assert left["phrasebank_version"] == after
    assert [s["action"] for s in left["suggestions"]] == ["variant"]


def test_the_command_lists_them_in_chinese_and_writes_a_bank(srv, tmp_path):
    server = srv["server"]
    p = server.cli("phrasebank", "suggest")
    assert p.returncode == 0, p.stderr
    assert "条建议" in p.stdout and "加变体" in p.stdout and "5.14" in p.stdout
    sid = next(line.split("]")[0].lstrip("[") for line in p.stdout.splitlines()
               if line.startswith("[") and "5.14" in line)
    out = tmp_path / "bank.yaml"
    p = server.cli("phrasebank", "suggest", "--apply", sid, "--out", str(out))
    assert p.returncode == 0, p.stderr
    an = Analyzer.load(out)
    assert [f.ref for f in an.check(MISSED, source="typed")] == ["5.14"]
    p = server.cli("phrasebank", "suggest", "--apply", "ffffffffffff", "--out", str(out))
    assert p.returncode == 1 and "no suggestion" in p.stderr
