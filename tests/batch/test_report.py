"""report.html in headless Chromium (Debian's, never a downloaded one): the SVG charts and
the tables render, the agents table sorts, and the page needs nothing from the network."""

from __future__ import annotations

import re

from batch.report import agent_stats, write_report_html
from tests.batch.conftest import read_jsonl
from tests.conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts"


def _box_ok(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["width"] > 10 and box["height"] > 10


def test_report_is_self_contained(local_run):
    page = (local_run["out"] / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page
    assert page.count("<svg") == 3 and "<script>" in page


def test_report_renders_in_chromium(local_run, browser):
    out = local_run["out"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((out / "report.html").as_uri())
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "batch-report.png"), full_page=True)
    assert [u for u in requests if not u.startswith("file:")] == []

    chart = page.locator("#score-chart")
    assert _box_ok(chart)
    assert chart.locator("rect.bar").count() == 10  # ten score bins
    tall = [b for b in chart.locator("rect.bar").all() if float(b.get_attribute("height")) > 0]
    # one bar per bin holding a scored recording (an undetermined one has no score)
    scores = [r["score"] for r in read_jsonl(out / "results.jsonl") if r["score"] is not None]
    assert scores and len(tall) == len({min(s // 10, 9) for s in scores})
    refs = page.locator("#refs-chart")
    assert _box_ok(refs) and refs.locator("rect.bar").count() == 1
    assert "8.2" in refs.text_content()
    assert _box_ok(page.locator("#agents"))
    assert page.locator("#agents tbody tr").count() == 1
    # call analytics per agent: interruptions per hour, from the rows' own analytics
    rows = read_jsonl(out / "results.jsonl")
    timed = [r for r in rows if r.get("analytics")]
    assert timed
    per_hour = sum(r["analytics"]["agent_interruptions"] for r in timed) / (
        sum(r["duration"] for r in timed) / 3600)
    agents_chart = page.locator("#agents-chart")
    assert _box_ok(agents_chart) and agents_chart.locator("rect.bar").count() == 1
    cell = page.locator("#agents tbody tr td:nth-child(8)")
    assert float(cell.get_attribute("data-v")) == round(per_hour, 2)
    worst = page.locator("#worst tbody tr")
    assert worst.count() == 1 and _box_ok(worst.first)
    assert "taboo_agent_right.wav" in worst.first.text_content()
    link = worst.first.locator("a").get_attribute("href")
    assert link.endswith(f"#t={float(link.split('#t=')[1]):.1f}") and "taboo_agent_right" in link
    assert page.locator("#failures tbody tr").count() == 2
    # for QA staff: Chinese headings; the worst utterances are the agents' own
    assert "得分分布" in page.content() and "扣分最多" in page.content()
    assert all(c != "客户" for c in page.locator("#worst tbody tr td:nth-child(5)")
               .all_text_contents())
    page.close()


def test_report_in_english_on_request(local_run, tmp_path):
    rows = read_jsonl(local_run["out"] / "results.jsonl")
    path = tmp_path / "report.html"
    write_report_html(path, rows, [], agent_stats(rows), lang="en")
    page = path.read_text(encoding="utf-8")
    assert "Score distribution" in page and "mean score" in page and "得分分布" not in page


def test_agents_table_sorts(local_run, browser, tmp_path):
    # The run's real rows, given to three agents, so that sorting has something to do.
    rows = read_jsonl(local_run["out"] / "results.jsonl")
    rows = [{**rows[0], "agent_id": "甲"}, {**rows[1], "agent_id": "乙"},
            {**rows[0], "agent_id": "丙", "recording": "copy.wav"}]
    path = tmp_path / "report.html"
    write_report_html(path, rows, [], agent_stats(rows))
    page = browser.new_page()
    page.goto(path.as_uri())
    header = page.locator("#agents th", has_text="平均得分")  # Chinese by default

    def scores() -> list[float]:  # an agent with no scored recording shows – (sorts as -1)
        cells = page.locator("#agents tbody tr td:nth-child(5)")
        return [float(c.get_attribute("data-v")) for c in cells.all()]

    header.click()
    asc = scores()
    header.click()
    desc = scores()
    assert asc == sorted(asc) and desc == sorted(desc, reverse=True) and asc != desc
    assert len(asc) == 3
    page.screenshot(path=str(ARTIFACTS / "batch-report-sorted.png"), full_page=True)
    page.close()


def test_worst_utterances_are_the_agents():
    from batch.report import worst_utterances

    utts = [{"start": 0.0, "end": 1.0, "speaker": "customer", "text": "我家网又断了"},
            {"start": 1.0, "end": 2.0, "speaker": "agent", "text": "你问我我问谁"}]
    row = {"recording": "a.wav", "source": "a.wav", "score": 55, "utterances": utts,
           "violations": [], "deductions": [
               {"reason": "unanswered_trigger", "points": 10, "refs": ["5.8"], "turn": 0,
                "detail": "customer is upset"},
               {"reason": "violation", "points": 20, "refs": ["8.1"], "turn": 1,
                "detail": "8.1"}]}
    assert [w["text"] for w in worst_utterances([row])] == ["你问我我问谁"]


def test_agents_csv_has_the_call_analytics_columns(tmp_path):
    import csv

    from batch.report import write_agents_csv

    def row(agent, duration, interruptions, agent_talk, customer_talk, utts, paces):
        return {"agent_id": agent, "duration": duration, "score": 80, "violations": [],
                "missing": [], "utterances": utts,
                "analytics": {"agent_interruptions": interruptions,
                              "talk_s": {"agent": agent_talk, "customer": customer_talk,
                                         "unknown": 0.0},
                              "speaker_confidence": "high",
                              "utterances": [{"pace_cpm": p} for p in paces]}}

    utts = [{"speaker": "agent", "start": 0.0, "end": 6.0},
            {"speaker": "customer", "start": 6.0, "end": 9.0}]
    rows = [row("甲", 1800.0, 3, 600.0, 400.0, utts, [240.0, 100.0]),
            row("甲", 1800.0, 1, 200.0, 800.0, utts, [180.0, 100.0])]
    path = tmp_path / "agents.csv"
    write_agents_csv(path, agent_stats(rows))
    got = list(csv.DictReader(path.open(encoding="utf-8")))[0]
    assert float(got["interruptions_per_hour"]) == 4.0  # 4 in one hour
    assert float(got["talk_share"]) == 0.4  # 800 of 2000 s
    assert float(got["mean_pace_cpm"]) == 210.0  # 24 + 18 characters in 12 s
    assert got["speakers_inferred"] == "0"
