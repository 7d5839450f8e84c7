"""The morning's reading: ``summary.csv``, ``agents.csv`` and a self-contained ``report.html``.

Everything is computed from result rows (as in ``results.jsonl``) and failure rows (as in
``failures.jsonl``). The HTML page has no external reference at all: its charts are inline
SVG, its table sorting a few lines of inline JavaScript, so it opens from a file share.
"""

from __future__ import annotations

import csv
import html
import json
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from huashu.words import Words

__all__ = ["AgentStats", "agent_stats", "worst_utterances", "write_agents_csv",
           "write_report_html", "write_summary_csv"]

UNKNOWN_AGENT = "(none)"


def _kinds(rows: list[dict[str, Any]]) -> list[str]:
    return sorted({v["kind"] for r in rows for v in r.get("violations", [])} |
                  {"taboo", "discipline"})


def _replace(tmp: Path, path: Path) -> None:
    os.replace(tmp, path)  # readers see the old file or the new one, never half of it


def write_summary_csv(path: Path, rows: list[dict[str, Any]],
                      failures: list[dict[str, Any]]) -> None:
    """One line per recording: analysed ones, then failed ones (``status`` says which)."""
    kinds = _kinds(rows)
    tmp = path.with_name(path.name + ".tmp")
    cols = ["recording", "status", "call_id", "agent_id", "recorded_at", "duration_s",
            "channels", "speakers", "scenario", "score", "utterances", "violations",
            *[f"violations_{k}" for k in kinds], "violation_refs", "missing_steps",
            "missing_refs", "out_of_order", "unanswered_triggers", "error"]
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for r in rows:
            by_kind = Counter(v["kind"] for v in r["violations"])
            w.writerow([
                r["recording"], "ok", r.get("call_id") or "", r.get("agent_id") or "",
                r.get("recorded_at") or "", r["duration"], r["channels"], r["speakers"],
                r["scenario"], "" if r.get("score") is None else r["score"],
                len(r["utterances"]), len(r["violations"]),
                *[by_kind.get(k, 0) for k in kinds],
                ";".join(v["ref"] for v in r["violations"]), len(r["missing"]),
                ";".join("|".join(m["refs"]) for m in r["missing"]),
                len(r.get("out_of_order") or []),
                sum(1 for t in r.get("triggers") or [] if t.get("answered_turn") is None),
                ""])
        for f in failures:
            w.writerow([f["recording"], "failed", f.get("call_id") or "",
                        f.get("agent_id") or "", f.get("recorded_at") or "", "", "", "", "",
                        "", "", "", *["" for _ in kinds], "", "", "", "", "", f["error"]])
    _replace(tmp, path)


@dataclass
class AgentStats:
    """Aggregates of one agent's recordings."""

    agent_id: str
    recordings: int = 0
    audio_s: float = 0.0
    score_sum: int = 0
    scored: int = 0  # recordings with an adherence score (not undetermined)
    violations: int = 0
    missing: int = 0
    refs: Counter[str] = field(default_factory=Counter)
    missing_refs: Counter[str] = field(default_factory=Counter)
    failed: int = 0
    # call analytics (recordings that have them)
    timed_s: float = 0.0  # audio of the recordings with analytics
    interruptions: int = 0  # the agent cutting in on the customer
    agent_talk_s: float = 0.0
    all_talk_s: float = 0.0
    agent_chars: float = 0.0  # characters the agent said (pace × time)
    agent_speech_s: float = 0.0
    low_confidence: int = 0  # recordings whose speakers were inferred (mono)

    @property
    def mean_score(self) -> float | None:
        return round(self.score_sum / self.scored, 1) if self.scored else None

    @property
    def violations_per_hour(self) -> float | None:
        return round(self.violations / (self.audio_s / 3600), 2) if self.audio_s > 0 else None

    @property
    def interruptions_per_hour(self) -> float | None:
        return round(self.interruptions / (self.timed_s / 3600), 2) if self.timed_s > 0 \
            else None

    @property
    def talk_share(self) -> float | None:
        return round(self.agent_talk_s / self.all_talk_s, 3) if self.all_talk_s > 0 else None

    @property
    def mean_pace(self) -> float | None:
        """The agent's characters per minute over all their speech."""
        return round(self.agent_chars / self.agent_speech_s * 60, 1) \
            if self.agent_speech_s > 0 else None

    def top(self, n: int = 3) -> str:
        return "; ".join(f"{ref} ×{c}" for ref, c in self.refs.most_common(n))

    def top_missing(self, n: int = 3) -> str:
        return "; ".join(f"{ref} ×{c}" for ref, c in self.missing_refs.most_common(n))


def agent_stats(rows: list[dict[str, Any]],
                failures: list[dict[str, Any]] = ()) -> list[AgentStats]:  # type: ignore[assignment]
    """Per agent (``(none)`` for recordings without one), by agent id."""
    stats: dict[str, AgentStats] = {}

    def get(agent: str | None) -> AgentStats:
        a = agent or UNKNOWN_AGENT
        if a not in stats:
            stats[a] = AgentStats(a)
        return stats[a]

    for r in rows:
        s = get(r.get("agent_id"))
        s.recordings += 1
        s.audio_s += float(r["duration"])
        if r.get("score") is not None:
            s.score_sum += int(r["score"])
            s.scored += 1
        s.violations += len(r["violations"])
        s.missing += len(r["missing"])
        s.refs.update(v["ref"] for v in r["violations"])
        s.missing_refs.update("|".join(m["refs"]) for m in r["missing"])
        a = r.get("analytics")
        if a:
            s.timed_s += float(r["duration"])
            s.interruptions += int(a.get("agent_interruptions", 0))
            s.agent_talk_s += float(a["talk_s"].get("agent", 0.0))
            s.all_talk_s += sum(float(v) for v in a["talk_s"].values())
            s.low_confidence += a.get("speaker_confidence") != "high"
            for u, ua in zip(r["utterances"], a.get("utterances") or [], strict=False):
                if u.get("speaker") == "agent":
                    seconds = max(0.0, float(u["end"]) - float(u["start"]))
                    s.agent_speech_s += seconds
                    s.agent_chars += float(ua.get("pace_cpm") or 0.0) * seconds / 60
    for f in failures:
        get(f.get("agent_id")).failed += 1
    return [stats[k] for k in sorted(stats)]


def _blank(v: float | None) -> float | str:
    return "" if v is None else v


def write_agents_csv(path: Path, stats: list[AgentStats]) -> None:
    """One line per agent: recordings, mean score, violations per hour, most frequent refs."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["agent_id", "recordings", "failed", "audio_min", "mean_score",
                    "violations", "violations_per_hour", "top_violation_refs",
                    "missing_steps", "top_missing_refs", "interruptions",
                    "interruptions_per_hour", "talk_share", "mean_pace_cpm",
                    "speakers_inferred"])
        for s in stats:
            w.writerow([s.agent_id, s.recordings, s.failed, round(s.audio_s / 60, 2),
                        _blank(s.mean_score), s.violations, _blank(s.violations_per_hour),
                        s.top(), s.missing, s.top_missing(), s.interruptions,
                        _blank(s.interruptions_per_hour), _blank(s.talk_share),
                        _blank(s.mean_pace), s.low_confidence])
    _replace(tmp, path)


def worst_utterances(rows: list[dict[str, Any]], n: int = 20) -> list[dict[str, Any]]:
    """The ``n`` agent utterances that cost the most points (deductions tied to one);
    a recording with no template (no score) deducts nothing, and its violations come
    after them at 0 points: still the worst things said."""
    items = []
    for r in rows:
        per_turn: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for d in r["deductions"]:
            if d.get("turn") is not None:
                per_turn[d["turn"]].append(d)
        if r.get("score") is None:
            for v in r.get("violations") or []:
                per_turn[v["turn"]].append({"points": 0, "refs": [v["ref"]],
                                            "reason": "violation (no template)",
                                            "detail": f"{v['ref']} {v.get('matched', '')}"})
        for turn, ds in per_turn.items():
            if not 0 <= turn < len(r["utterances"]):
                continue
            u = r["utterances"][turn]
            if u.get("speaker") == "customer":
                continue  # the worst things the agents said: a customer's line is no fault
            items.append({
                "recording": r["recording"], "source": r["source"],
                "agent_id": r.get("agent_id"), "call_id": r.get("call_id"),
                "start": u["start"], "end": u["end"], "speaker": u["speaker"],
                "text": u["text"], "points": sum(d["points"] for d in ds),
                "refs": sorted({ref for d in ds for ref in d["refs"]}),
                "reasons": sorted({d["reason"] for d in ds}),
                "detail": "; ".join(d["detail"] for d in ds)})
    items.sort(key=lambda x: (-x["points"], x["recording"], x["start"]))
    return items[:n]


# -- HTML ----------------------------------------------------------------------------------------

def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _clock(t: float) -> str:
    m, s = divmod(max(0.0, float(t)), 60)
    return f"{int(m):02d}:{s:04.1f}"


def _histogram_svg(scores: list[int], unit: str = "recording(s)") -> str:
    bins = [0] * 10  # 0-9, ..., 80-89, 90-100
    for s in scores:
        bins[min(9, max(0, int(s) // 10))] += 1
    w, h, left, bottom, top = 560, 220, 36, 28, 14
    bw = (w - left - 8) / 10
    peak = max(bins) or 1
    parts = [f'<svg id="score-chart" class="chart" viewBox="0 0 {w} {h}" width="{w}" '
             f'height="{h}" role="img" aria-label="Score distribution">']
    parts.append(f'<line x1="{left}" y1="{h - bottom}" x2="{w - 4}" y2="{h - bottom}" '
                 'stroke="#888"/>')
    for i, c in enumerate(bins):
        bh = (h - bottom - top) * c / peak
        x = left + i * bw
        y = h - bottom - bh
        label = f"{i * 10}–{i * 10 + 9}" if i < 9 else "90–100"
        color = "#c0392b" if i < 6 else ("#e67e22" if i < 8 else "#27ae60")
        parts.append(f'<rect class="bar" x="{x + 3:.1f}" y="{y:.1f}" width="{bw - 6:.1f}" '
                     f'height="{max(bh, 0.0):.1f}" fill="{color}"><title>{label}: {c} '
                     f'{_e(unit)}</title></rect>')
        if c:
            parts.append(f'<text x="{x + bw / 2:.1f}" y="{y - 3:.1f}" font-size="11" '
                         f'text-anchor="middle">{c}</text>')
        parts.append(f'<text x="{x + bw / 2:.1f}" y="{h - bottom + 14}" font-size="10" '
                     f'text-anchor="middle">{label}</text>')
    parts.append(f'<text x="4" y="{top + 4}" font-size="10" fill="#555">n</text></svg>')
    return "".join(parts)


def _bars_svg(chart_id: str, aria: str, bars: list[tuple[str, float, str, str]], none: str,
              *, left: int, right: int, color: str) -> str:
    """A horizontal bar chart: per bar its label, value, the value as shown and a tooltip
    (plain text, escaped here); ``none`` when there are no bars."""
    w, row_h = 560, 22
    if not bars:
        return (f'<svg id="{chart_id}" class="chart" viewBox="0 0 560 40" width="560" '
                'height="40"><text x="8" y="24" font-size="13" fill="#555">'
                f'{_e(none)}</text></svg>')
    h = row_h * len(bars) + 10
    peak = max(value for _, value, _, _ in bars) or 1.0
    parts = [f'<svg id="{chart_id}" class="chart" viewBox="0 0 {w} {h}" width="{w}" '
             f'height="{h}" role="img" aria-label="{_e(aria)}">']
    for i, (label, value, shown, tip) in enumerate(bars):
        y = 5 + i * row_h
        bw = (w - left - right) * value / peak
        parts.append(f'<text x="{left - 6}" y="{y + 15}" font-size="12" text-anchor="end">'
                     f'{_e(label)}</text>')
        parts.append(f'<rect class="bar" x="{left}" y="{y + 3}" width="{max(bw, 1):.1f}" '
                     f'height="{row_h - 6}" fill="{color}"><title>{_e(tip)}</title></rect>')
        parts.append(f'<text x="{left + bw + 4:.1f}" y="{y + 15}" font-size="12">'
                     f'{_e(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _refs_svg(counts: list[tuple[str, int]], standards: dict[str, str],
              none: str = "No violations.") -> str:
    bars = []
    for ref, c in counts:
        std = standards.get(ref, "")
        short = std if len(std) <= 16 else std[:15] + "…"
        bars.append((f"{ref} {short}", float(c), str(c), f"{ref} {std}: {c}"))
    return _bars_svg("refs-chart", "Violations by ref", bars, none, left=250, right=40,
                     color="#c0392b")


def _agents_svg(stats: list[AgentStats], none: str, unit: str) -> str:
    """Interruptions per hour of each agent (the longest bars first), with talk share and
    pace in each bar's tooltip."""
    rows = sorted((s for s in stats if s.interruptions_per_hour is not None),
                  key=lambda s: -(s.interruptions_per_hour or 0.0))[:20]
    bars = []
    for st in rows:
        value = st.interruptions_per_hour or 0.0
        bars.append((st.agent_id[:20], value, f"{value:g}",
                     f"{st.agent_id}: {value} {unit}; talk share {st.talk_share}; "
                     f"pace {st.mean_pace}"))
    return _bars_svg("agents-chart", unit, bars, none, left=160, right=60, color="#8e44ad")


_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;
color:#222;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.meta{color:#666;font-size:13px}.kpis{display:flex;gap:14px;flex-wrap:wrap;margin:14px 0}
.kpi{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:110px}
.kpi b{display:block;font-size:22px}.kpi span{font-size:12px;color:#666}
.charts{display:flex;gap:24px;flex-wrap:wrap}
table{border-collapse:collapse;font-size:13px;width:100%}
th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f6f6}table.sortable th{cursor:pointer;user-select:none}
table.sortable th.asc::after{content:" ▲"}table.sortable th.desc::after{content:" ▼"}
td.num,th.num{text-align:right}.bad{color:#c0392b;font-weight:600}
"""

_JS = """
document.querySelectorAll('table.sortable').forEach(function(t){
  t.querySelectorAll('th').forEach(function(th,i){
    th.addEventListener('click',function(){
      var asc=!th.classList.contains('asc');
      t.querySelectorAll('th').forEach(function(x){x.classList.remove('asc','desc');});
      th.classList.add(asc?'asc':'desc');
      var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){
        var x=a.cells[i].getAttribute('data-v'),y=b.cells[i].getAttribute('data-v');
        if(x===null)x=a.cells[i].textContent;if(y===null)y=b.cells[i].textContent;
        var nx=parseFloat(x),ny=parseFloat(y),c;
        if(!isNaN(nx)&&!isNaN(ny))c=nx-ny;else c=String(x).localeCompare(String(y),'zh');
        return asc?c:-c;});
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
});
"""


def _num(v: float | int | None) -> str:
    if v is None:
        return '<td class="num" data-v="-1">–</td>'
    return f'<td class="num" data-v="{v}">{v}</td>'


def _audio_link(source: str, start: float, out_dir: Path) -> str:
    try:
        rel = os.path.relpath(source, out_dir)
    except ValueError:  # another drive
        rel = source
    return html.escape(Path(rel).as_posix(), quote=True) + f"#t={float(start):.1f}"


_WORDS: dict[str, tuple[str, str]] = {
    "title": ("huashu 批量质检报告", "huashu batch report"),
    "generated": ("生成于", "generated"), "phrasebank": ("话术库", "phrasebank"),
    "model": ("模型", "model"), "engine": ("引擎", "engine"),
    "analysed": ("已分析录音", "recordings analysed"), "failed": ("失败", "failed"),
    "audio": ("音频", "audio"), "mean_score": ("平均得分", "mean score"),
    "violations": ("违规", "violations"), "per_hour": ("每小时违规", "violations per hour"),
    "score_dist": ("得分分布", "Score distribution"),
    "by_ref": ("各条目违规次数", "Violations by ref"), "agents": ("坐席", "Agents"),
    "agent": ("坐席", "agent"), "recordings": ("录音", "recordings"),
    "audio_min": ("音频(分钟)", "audio min"), "viol_h": ("违规/小时", "violations / h"),
    "top_viol": ("最常见违规", "most frequent violations"),
    "top_missing": ("最常缺少", "most often missing"),
    "worst": ("扣分最多的 20 句坐席语句", "Worst 20 agent utterances"),
    "recording": ("录音", "recording"), "time": ("时间", "time"),
    "speaker": ("说话人", "speaker"), "utterance": ("语句", "utterance"),
    "refs": ("条目", "refs"), "points": ("扣分", "points"),
    "no_worst": ("没有语句被扣分。", "No utterance cost any points."),
    "failures": ("失败的录音", "Failed recordings"), "kind": ("类型", "kind"),
    "why": ("原因", "why"), "none": ("无。", "None."),
    "no_violations": ("没有违规。", "No violations."), "run": ("运行", "run"),
    "n_recordings": ("段录音", "recording(s)"), "hours": ("小时", "h"),
    "interrupt_h": ("打断/小时", "interruptions / h"),
    "talk_share": ("坐席说话占比(%)", "agent talk share (%)"),
    "pace": ("语速(字/分钟)", "pace (chars/min)"),
    "by_agent": ("各坐席每小时打断客户次数", "Agents' interruptions per hour"),
    "no_analytics": ("没有通话分析数据。", "No call analytics."),
}


def write_report_html(path: Path, rows: list[dict[str, Any]], failures: list[dict[str, Any]],
                      stats: list[AgentStats], *, title: str | None = None,
                      run: dict[str, Any] | None = None, lang: str = "zh") -> None:
    """The self-contained report page, in Chinese (``lang="zh"``) or English."""
    i18n = 0 if lang == "zh" else 1

    def t(key: str) -> str:
        return _WORDS[key][i18n]

    title = title or t("title")
    words = Words(lang)
    out_dir = path.parent
    scores = [int(r["score"]) for r in rows if r.get("score") is not None]
    audio_h = sum(float(r["duration"]) for r in rows) / 3600
    n_viol = sum(len(r["violations"]) for r in rows)
    ref_counts = Counter(v["ref"] for r in rows for v in r["violations"]).most_common(25)
    standards = {v["ref"]: v.get("standard", "") for r in rows for v in r["violations"]}
    versions = sorted({r["phrasebank_version"] for r in rows})
    models = sorted({r["model"] for r in rows})
    mean = f"{sum(scores) / len(scores):.1f}" if scores else "–"
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")

    def kpi(value: Any, label: str) -> str:
        return f'<div class="kpi"><b>{_e(value)}</b><span>{_e(label)}</span></div>'

    p: list[str] = [
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">",
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<div class="meta">{t("generated")} {generated} · {t("phrasebank")} '
        f'{_e(", ".join(versions) or "–")} · {t("model")} {_e(", ".join(models) or "–")}'
        + (f" · {t('engine')} {_e(run.get('engine'))}" if run else "") + "</div>",
        '<div class="kpis">', kpi(len(rows), t("analysed")),
        kpi(len(failures), t("failed")), kpi(f"{audio_h:.2f} {t('hours')}", t("audio")),
        kpi(mean, t("mean_score")), kpi(n_viol, t("violations")),
        kpi(f"{n_viol / audio_h:.1f}" if audio_h > 0 else "–", t("per_hour")),
        "</div>",
        f'<div class="charts"><section><h2>{t("score_dist")}</h2>',
        _histogram_svg(scores, t("n_recordings")),
        f"</section><section><h2>{t('by_ref')}</h2>",
        _refs_svg(ref_counts, standards, t("no_violations")),
        f"</section><section><h2>{t('by_agent')}</h2>",
        _agents_svg(stats, t("no_analytics"), t("interrupt_h")),
        "</section></div>",
        f"<h2>{t('agents')}</h2>",
        f'<table id="agents" class="sortable"><thead><tr><th>{t("agent")}</th>'
        f'<th class="num">{t("recordings")}</th><th class="num">{t("failed")}</th>'
        f'<th class="num">{t("audio_min")}</th><th class="num">{t("mean_score")}</th>'
        f'<th class="num">{t("violations")}</th><th class="num">{t("viol_h")}</th>'
        f'<th class="num">{t("interrupt_h")}</th><th class="num">{t("talk_share")}</th>'
        f'<th class="num">{t("pace")}</th>'
        f"<th>{t('top_viol')}</th><th>{t('top_missing')}</th></tr></thead><tbody>",
    ]
    for s in stats:
        share = None if s.talk_share is None else round(s.talk_share * 100, 1)
        p.append(f"<tr><td>{_e(s.agent_id)}</td>{_num(s.recordings)}{_num(s.failed)}"
                 f"{_num(round(s.audio_s / 60, 1))}{_num(s.mean_score)}{_num(s.violations)}"
                 f"{_num(s.violations_per_hour)}{_num(s.interruptions_per_hour)}"
                 f"{_num(share)}{_num(s.mean_pace)}<td>{_e(s.top())}</td>"
                 f"<td>{_e(s.top_missing())}</td></tr>")
    p.append("</tbody></table>")

    p.append(f"<h2>{t('worst')}</h2>"
             f'<table id="worst"><thead><tr><th class="num">#</th><th>{t("recording")}</th>'
             f"<th>{t('agent')}</th><th>{t('time')}</th><th>{t('speaker')}</th>"
             f"<th>{t('utterance')}</th><th>{t('refs')}</th>"
             f'<th class="num">{t("points")}</th></tr></thead><tbody>')
    worst = worst_utterances(rows)
    for i, w in enumerate(worst, 1):
        p.append(
            f'<tr><td class="num">{i}</td><td>{_e(w["recording"])}'
            + (f'<br><span class="meta">{_e(w["call_id"])}</span>' if w["call_id"] else "")
            + f'</td><td>{_e(w["agent_id"] or UNKNOWN_AGENT)}</td>'
            f'<td><a href="{_audio_link(w["source"], w["start"], out_dir)}">'
            f'{_clock(w["start"])}–{_clock(w["end"])}</a></td>'
            f'<td>{_e(words.code("speaker", w["speaker"]))}</td>'
            f'<td>{_e(w["text"])}</td><td title="{_e(w["detail"])}">'
            f'{_e(", ".join(w["refs"]))}<br><span class="meta">{_e(", ".join(words.code("reason", x) for x in w["reasons"]))}'
            f'</span></td><td class="num bad">{-w["points"] if w["points"] else "–"}</td></tr>')
    if not worst:
        p.append(f'<tr><td colspan="8">{t("no_worst")}</td></tr>')
    p.append("</tbody></table>")

    p.append(f"<h2>{t('failures')}</h2>")
    if failures:
        p.append(f'<table id="failures"><thead><tr><th>{t("recording")}</th>'
                 f"<th>{t('agent')}</th><th>{t('kind')}</th><th>{t('why')}</th></tr></thead>"
                 "<tbody>")
        for f in failures:
            p.append(f"<tr><td>{_e(f['recording'])}</td><td>{_e(f.get('agent_id') or '')}</td>"
                     f"<td>{_e(f.get('kind'))}</td><td>{_e(f['error'])}</td></tr>")
        p.append("</tbody></table>")
    else:
        p.append(f'<p class="meta">{t("none")}</p>')
    if run:
        p.append(f'<p class="meta">{t("run")}: {_e(json.dumps(run, ensure_ascii=False))}</p>')
    p.append(f"<script>{_JS}</script></body></html>")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(p), encoding="utf-8")
    _replace(tmp, path)
