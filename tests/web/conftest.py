"""Fixtures of the review page's tests: one real ``huashu serve`` (SQLite, the real Whisper
model loaded by the first upload's job) seeded with done recordings before it starts, and
Debian's headless Chromium driven by Playwright (never a downloaded browser; the tests fail,
not skip, when it is missing)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.conftest import Server
from tests.conftest import ROOT, SHARED

from .seed import dialogue_turns, insert_done, result_for

ARTIFACTS = ROOT / "test-artifacts" / "web"
XSS = '<img src=x onerror="window.__pwned=1">'


@dataclass
class Site:
    server: Server
    ids: dict[str, str] = field(default_factory=dict)  # seed name → recording id
    seeded: list[dict[str, Any]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def api(self, key: str = "review") -> Any:
        return self.server.client(key)


def _dialogues() -> list[dict[str, Any]]:
    path = SHARED / "corpus" / "dev_dialogues.jsonl"
    if not path.exists():
        pytest.fail(f"the shared corpus is missing at {path} (set HUASHU_SHARED)")
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, analyzer: Any) -> Iterator[Site]:
    from analyzer.adherence import Turn

    srv = Server(tmp_path_factory.mktemp("web"), {"HUASHU_THREADS": "2"})
    srv.make_keys()
    s = Site(srv)
    # 24 short calls: the four dev dialogues, two agents, one a day going back 24 days.
    now = datetime.now(UTC).replace(microsecond=0)
    dialogues = _dialogues()
    for k in range(24):
        d = dialogues[k % len(dialogues)]
        turns = [Turn(speaker=t["speaker"], text=t["text"], start=4.0 * j, end=4.0 * j + 3.0)
                 for j, t in enumerate(d["turns"])]
        agent = "B002" if k % 3 == 0 else "A001"
        created = now - timedelta(days=k + 1, hours=1)
        name = f"{d['id']}-{k:02d}.wav"
        rid = insert_done(srv.data_dir, result_for(analyzer, turns, scenario=d["scenario"]),
                          filename=name, agent_id=agent, scenario=d["scenario"],
                          created_at=created)
        s.ids[name] = rid
        s.seeded.append({"id": rid, "agent_id": agent, "created_at": created, "dialogue": d["id"]})
    # A 30-minute call: 600 utterances of the dev dialogues, scored by the analyzer.
    long = result_for(analyzer, dialogue_turns(600), scenario="onsite_visit")
    s.ids["long"] = insert_done(srv.data_dir, long, filename="long-600.wav", agent_id="C003",
                                scenario="onsite_visit", created_at=now - timedelta(days=40))
    # Text that is HTML: shown as text, never run; a taboo inside it is highlighted exactly.
    turns = [Turn("agent", XSS + "我也没办法", 0.5, 3.0),
             Turn("customer", "<script>window.__pwned=2</script>怎么现在才来?", 3.5, 5.0),
             Turn("agent", "对不起,让您久等了。", 5.5, 7.0)]
    s.ids["xss"] = insert_done(srv.data_dir, result_for(analyzer, turns, scenario="onsite_visit"),
                               filename=XSS + ".wav", agent_id="<b>X</b>",
                               scenario="onsite_visit", created_at=now - timedelta(days=41))
    srv.start()
    yield s
    srv.stop()



class Watched:
    """A page with its console errors, page errors and requests recorded."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("console", lambda m: self.errors.append(f"console: {m.text}")
                if m.type == "error" else None)
        page.on("request", lambda r: self.requests.append(r.url))

    def unexpected_errors(self, *allowed: str) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in allowed)]


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    w = Watched(page)
    yield w
    ctx.close()


def sign_in(page: Any, url: str, key: str) -> None:
    page.goto(url + "/")
    page.fill("#key", key)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#nav:not([hidden])")


def shot(page: Any, name: str, full: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)


def wait_js(page: Any, fn: str, arg: Any = None, timeout: float = 15.0) -> Any:
    """Poll ``fn`` (a JS function) until it returns a truthy value. Playwright's
    ``wait_for_function`` evaluates strings with ``eval``, which the page's CSP forbids."""
    deadline = time.monotonic() + timeout
    while True:
        got = page.evaluate(fn, arg)
        if got or time.monotonic() > deadline:
            assert got, f"timed out waiting for {fn}"
            return got
        time.sleep(0.05)
