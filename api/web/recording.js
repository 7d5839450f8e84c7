// The recording view (#/r/<id>): player, timeline of utterances with highlighted flags,
// the adherence panel (machine and reviewed side by side) and the verdicts.
//
// The timeline is built as one HTML string (every API string escaped) and set with one
// innerHTML; clicks are handled by one delegated listener on the view.

import { api, clock, esc, errorWords, label, toast, when } from "./util.js";

const KIND_RANK = { taboo: 3, discipline: 2, script: 1 };
const VIOLATION = new Set(["taboo", "discipline"]);

/** The flag's id as the API gives it (computed the API's way when absent). */
function flagId(f, i) {
  return f.id || `${i}:${f.ref}:${f.span ? f.span[0] : 0}`;
}

function shortText(s, n = 28) {
  s = s || "";
  const cps = Array.from(s);
  return cps.length > n ? cps.slice(0, n).join("") + "…" : s;
}

/** The utterance text with the flags' [start, end) spans (code points) marked by kind. */
function markedText(text, flags) {
  const cps = Array.from(text || "");
  const n = cps.length;
  const spans = [];
  for (const f of flags) {
    if (!f.span || f.span.length !== 2) continue;
    const a = Math.max(0, Math.min(n, f.span[0] | 0)), b = Math.max(0, Math.min(n, f.span[1] | 0));
    if (a < b) spans.push([a, b, f]);
  }
  if (!spans.length) return esc(text);
  const cuts = new Set([0, n]);
  for (const [a, b] of spans) { cuts.add(a); cuts.add(b); }
  const pts = [...cuts].sort((x, y) => x - y);
  let out = "";
  for (let k = 0; k + 1 < pts.length; k++) {
    const a = pts[k], b = pts[k + 1];
    const seg = cps.slice(a, b).join("");
    const cover = spans.filter(([s, e]) => s <= a && e >= b);
    if (!cover.length) { out += esc(seg); continue; }
    let top = cover[0][2];
    for (const [, , f] of cover) if ((KIND_RANK[f.kind] || 0) > (KIND_RANK[top.kind] || 0)) top = f;
    const allRejected = cover.every(([, , f]) => f.verdict && f.verdict.verdict === "rejected");
    const refs = cover.map(([, , f]) => f.ref).join(" / ");
    out += `<mark class="hl k-${esc(top.kind)}${allRejected ? " v-rejected" : ""}" title="${esc(refs)}">${esc(seg)}</mark>`;
  }
  return out;
}

function verdictHTML(v) {
  if (!v) return "";
  const c = v.comment ? ` · “${esc(v.comment)}”` : "";
  return `<span class="vd vd-${esc(v.verdict)}">${esc(label("verdict", v.verdict))} · ${esc(v.reviewer || "—")} · ${esc(when(v.at))}${c}</span>`;
}

function flagHTML(f, fid, added) {
  const v = added ? f : f.verdict || null;
  const state = added ? "added" : v ? v.verdict : "none";
  const violation = VIOLATION.has(f.kind);
  // a finding by meaning: a model's probability (uncivil, a script line by the script
  // model) or the similarity (a script line by its nearest example), and the
  // sentence it was nearest to, the evidence a reviewer weighs
  // (by wording: the wording model's probability, and the labelled sentence nearest in wording)
  const model = f.category === "meaning" || f.category === "wording";
  const nearest = f.category === "wording" ? "措辞最接近" : "语义最接近";
  const sim = f.score !== undefined ? (model ? "概率 " : "相似度 ") +
    esc(Number(f.score).toFixed(2)) + (f.similar_to ? ` · ${nearest}:“${esc(f.similar_to)}”` : "") : "";
  // A script line met needs no verdict (one may be given through the dialog): its chip is
  // kept light, which matters in a long call where most agent lines carry one.
  const matched = added || !f.matched || (!violation && f.score >= 1) ? ""
    : `<span class="fm">识别:“${esc(f.matched)}”${sim ? " · " + sim : ""}` +
      // found in the recogniser's second reading of the utterance, decoded alone
      `${f.reading ? ` · 重听:“${esc(f.reading)}”` : ""}</span>`;
  let acts;
  if (added) acts = `<button type="button" data-act="undo">撤销补标</button>`;
  else if (!violation) {
    acts = `<button data-act="note">复核…</button>` + (v ? `<button data-act="undo">撤销</button>` : "");
  } else {
    acts = `<button type="button" data-act="confirmed" class="ok"${state === "confirmed" ? " disabled" : ""}>确认</button>` +
      `<button type="button" data-act="rejected" class="no"${state === "rejected" ? " disabled" : ""}>驳回</button>` +
      `<button type="button" data-act="note">备注…</button>` +
      (v ? `<button type="button" data-act="undo">撤销</button>` : "");
  }
  const kind = violation || added ? `<span class="fk">${added ? "补标 · " : ""}${esc(label("kind", f.kind))}</span> ` : "";
  return `<li class="flag k-${esc(f.kind)} v-${esc(state)}" data-f="${esc(fid)}">${kind}<b class="ref">${esc(f.ref)}</b> ` +
    `<span class="std">${esc(f.standard)}</span>${matched}${verdictHTML(v)}<span class="acts">${acts}</span></li>`;
}

// The selected utterance's "add a missed flag" button (one at a time, not one per row).
const ADD_BUTTON = `<button type="button" class="add" data-act="add" title="在这句上补标漏检的条目">补标</button>`;

// In a mono recording the speaker is inferred from the voice: say how sure that is.
function confHTML(u) {
  const c = u.speaker_confidence;
  if (typeof c !== "number" || c >= 1) return "";
  return `<span class="spc${c < 0.6 ? " low" : ""}" title="说话人推断置信度">${Math.round(c * 100)}%</span>`;
}

function uttHTML(u, i, added, overlap = false) {
  const flags = u.flags || [];
  const kinds = new Set(flags.map((f) => f.kind));
  let cls = "utt sp-" + esc(u.speaker) + (overlap ? " overlap" : "");
  for (const k of kinds) cls += " has-" + esc(k);
  if (added && added.length) cls += " has-added";
  let chips = "";
  for (const f of flags) chips += flagHTML(f, flagId(f, i), false);
  if (added) for (const a of added) chips += flagHTML(a, a.flag_id, true);
  return `<li class="${cls}" id="u${i}" data-i="${i}" tabindex="0">` +
    `<span class="t">${clock(u.start)}</span><span class="sp">${esc(label("speaker", u.speaker))}${confHTML(u)}` +
    (u.heard_behind ? `<span class="behind" title="远低于该方说话人的声音:其中的标记不计分,确认违规即计为该方说话人的">背景人声·不计分</span>` : "") + `</span>` +
    `<div class="tx">${markedText(u.text, flags)}</div>` + (chips ? `<ul class="flags">${chips}</ul>` : "") + `</li>`;
}

// Call analytics on the timeline: interruptions and long silences where they happen.
function eventsOf(result) {
  const a = (result && result.analytics) || {};
  const ev = [];
  for (const x of a.interruptions || []) {
    const who = x.by === "agent" ? "坐席打断客户" : "客户插话";
    // one channel: no overlap measured, only that the voice did not pause at the change,
    // and, from the voices, how long the one cut into was heard going on under the other
    const how = x.overlap_s != null ? `同时说话 ${x.overlap_s} 秒`
      : x.heard_under_s > 0 ? `话音未停即接话,被打断的一方在其下约又说了 ${x.heard_under_s} 秒(单声道,由声纹估计)`
      : "话音未停即接话,单声道测不出同时说话多久";
    ev.push({ t: x.at, cls: "ev-interrupt ev-" + x.by, text: `${who} ${clock(x.at)}(${how})` +
      (x.flagged ? " · " + ((a.config || {}).interruption || {}).ref : "") });
  }
  for (const s of a.long_silences || []) {
    ev.push({ t: s.start, cls: "ev-silence", text: `无人说话 ${s.seconds} 秒(${clock(s.start)}–${clock(s.end)})` });
  }
  return ev.sort((x, y) => x.t - y.t);
}

function eventHTML(e) {
  return `<li class="event ${esc(e.cls)}" data-t="${esc(e.t)}">${esc(e.text)}</li>`;
}

// Utterances taking part in an interruption (cut into, or cutting in): marked on the timeline.
function overlapSet(result) {
  const set = new Set();
  for (const x of ((result && result.analytics) || {}).interruptions || []) {
    if (x.interrupting !== null && x.interrupting !== undefined) set.add(x.interrupting);
    if (x.interrupted !== null && x.interrupted !== undefined) set.add(x.interrupted);
  }
  return set;
}

function analyticsHTML(m) {
  const a = m.analytics;
  if (!a || !a.talk_s) return "";
  const pct = (v) => `${Math.round((v || 0) * 100)}%`;
  let h = `<details open class="pan" id="analytics"><summary>通话分析</summary><table class="an"><tbody>` +
    `<tr><td>坐席说话</td><td class="n">${esc(a.talk_s.agent)} 秒(${pct(a.talk_share.agent)})</td></tr>` +
    `<tr><td>客户说话</td><td class="n">${esc(a.talk_s.customer)} 秒(${pct(a.talk_share.customer)})</td></tr>` +
    // one channel: time together and back-channels are not measured (null)
    `<tr><td>同时说话</td><td class="n">${a.overlap_s == null ? "单声道测不出" : esc(a.overlap_s) + " 秒"}</td></tr>` +
    `<tr><td>无人说话</td><td class="n">${esc(a.non_talk_s)} 秒</td></tr>` +
    `<tr><td>坐席打断客户</td><td class="n" id="agent-interruptions">${esc(a.agent_interruptions)} 次</td></tr>` +
    `<tr><td>客户插话</td><td class="n">${esc(a.customer_interruptions)} 次</td></tr>` +
    `<tr><td>附和(嗯、对)</td><td class="n">${a.backchannels == null ? "单声道测不出" : esc(a.backchannels) + " 次"}</td></tr>` +
    `<tr><td>坐席语速</td><td class="n">${esc((a.pace_cpm || {}).agent ?? "—")} 字/分钟</td></tr></tbody></table>`;
  if (a.speaker_confidence !== "high") h += `<p class="warn">单声道录音:说话人由声纹推断,同时说话分辨不出,以上数字仅供参考。</p>`;
  // stereo: utterances far quieter than their side's speaker (a television, someone nearby)
  const behind = a.background || [];
  if (behind.length) h += `<p class="warn" id="background">背景人声 ${behind.length} 句(远低于该方说话人的声音,如电视、旁人说话、对方声音的回声;不计入说话时长、打断、语速和评分,确认其中的违规即计为该方说话人的):` +
    behind.map((i) => seekLink(i, m.utterances || [], true)).join(" ") + `</p>`;
  const obs = a.observations || [];
  if (obs.length) {
    h += `<ul class="obs">` + obs.map((o) => `<li><b class="ref">${esc(o.ref)}</b> ${esc(o.name)} ` +
      `${o.kind === "raised_voice" ? `+${esc(o.value)} dB` : `×${esc(o.value)}`} ${seekLink(o.utterance, m.utterances || [], true)}</li>`).join("") + `</ul>`;
  }
  return h + `</details>`;
}

function addedByUtt(rec) {
  const by = new Map();
  for (const a of rec.added || []) {
    const i = a.utterance;
    if (!by.has(i)) by.set(i, []);
    by.get(i).push(a);
  }
  return by;
}

// -- the adherence panel -------------------------------------------------------------------

function seekLink(i, utts, quote = false) {
  if (i === null || i === undefined || !utts[i]) return "";
  const u = utts[i];
  return `<button type="button" class="seek" data-seek="${i}" title="${esc(u.text)}">#${i + 1} ${clock(u.start)}${quote ? ` “${esc(shortText(u.text, 12))}”` : ""}</button>`;
}

function stepCell(s, utts) {
  if (!s) return `<td class="na">—</td>`;
  if (s.met) return `<td class="met">✓ ${seekLink(s.turn, utts)}${s.in_order === false ? ' <span class="warn">⚠ 顺序错误</span>' : ""}</td>`;
  if (s.excused) return `<td class="exc">— 免除(通话提前结束)</td>`;
  return `<td class="miss">✗ 缺失</td>`;
}

function dedKey(d) { return `${d.reason}|${(d.refs || []).join("/")}|${d.turn}`; }

function dedText(d, report, ctx) {
  const refs = d.refs || [];
  if (d.reason === "missing_step") return "未说“" + esc(shortText(ctx.standard(refs[0]), 22)) + "”";
  if (d.reason === "out_of_order") return "“" + esc(shortText(ctx.standard(refs[0]), 22)) + "”顺序不对";
  if (d.reason === "unanswered_trigger") {
    const tr = (report.triggers || []).find((t) => t.turn === d.turn);
    return "客户" + esc(label("trigger", tr ? tr.kind : "")) + ",坐席未回应";
  }
  if (d.reason === "violation") return esc(label("kind", ctx.kindOf(refs[0])));
  return esc(d.detail || "");
}

function sum(ds) { return (ds || []).reduce((a, d) => a + (d.points || 0), 0); }

// an undetermined scenario has no adherence score: "no template", never a number
const scoreText = (v) => (v === null || v === undefined ? "无模板" : esc(v));

export function panelHTML(rec, ctx) {
  const m = rec.result;
  const r = rec.reviewed || null;
  const utts = m.utterances || [];
  const review = rec.review || null;
  const two = !!r;
  // the reviewed score is the API's: none while no verdict was given
  const rs = review ? review.reviewed_score ?? null : null;
  let h = `<section class="scorebox" data-verdicts="${esc(review ? review.verdicts : 0)}">` +
    `<div class="score sc-m"><span>机器评分</span><b id="machine-score">${scoreText(m.score)}</b></div>` +
    `<div class="score sc-r"><span>复核评分</span><b id="reviewed-score">${rs === null ? "—" : esc(rs)}</b></div>` +
    `<div class="rstate"><span class="badge rv-${esc(review ? review.state : "unreviewed")}">${esc(label("review", review ? review.state : "unreviewed"))}</span>` +
    `<span class="muted">${review ? esc(review.verdicts) + " 条复核" + (review.updated_at ? " · " + esc(when(review.updated_at)) : "") : ""}</span></div></section>`;

  // steps
  const ms = m.steps || [], rsteps = r ? r.steps || [] : [];
  h += `<details open class="pan"><summary>步骤(${ms.filter((s) => s.met).length}/${ms.length} 已完成)</summary><table class="steps"><thead><tr><th>规范步骤</th><th>机器</th>${two ? "<th>复核</th>" : ""}</tr></thead><tbody>`;
  ms.forEach((s, k) => {
    const refs = s.refs || [];
    h += `<tr><td><b class="ref">${esc(refs.join(" / "))}</b> <span class="std" title="${esc(ctx.standard(refs[0]))}">${esc(shortText(ctx.standard(refs[0]), 16))}</span></td>${stepCell(s, utts)}${two ? stepCell(rsteps[k], utts) : ""}</tr>`;
  });
  h += `</tbody></table>`;
  const ooo = m.out_of_order || [];
  if (ooo.length) {
    h += `<p class="warn">顺序错误:` + ooo.map((o) => `${esc((o.refs || []).join(" / "))} ${seekLink(o.turn, utts)}`).join(";") + `</p>`;
  }
  h += `</details>`;

  // triggers
  const trs = m.triggers || [];
  if (trs.length) {
    h += `<details${trs.length <= 20 ? " open" : ""} class="pan"><summary>客户诉求(${trs.length})</summary><ul class="trig">`;
    for (const t of trs) {
      h += `<li>${seekLink(t.turn, utts, true)} ${esc(label("trigger", t.kind))} → ` +
        (t.answered_turn !== null && t.answered_turn !== undefined
          ? `<span class="met">✓ ${esc(t.answered_ref)} ${seekLink(t.answered_turn, utts)}</span>`
          : `<span class="miss">✗ 未回应(应说 ${esc((t.owed || []).join(" / "))})</span>`) + `</li>`;
    }
    h += `</ul></details>`;
  }

  // deductions, machine and reviewed side by side
  const md = m.deductions || [], rd = r ? r.deductions || [] : [];
  const rows = new Map();
  for (const d of md) rows.set(dedKey(d), { d, m: d.points, r: null });
  for (const d of rd) {
    const k = dedKey(d);
    if (rows.has(k)) rows.get(k).r = d.points;
    else rows.set(k, { d, m: null, r: d.points, rep: r });
  }
  h += `<details open class="pan"><summary>扣分明细</summary><table class="ded"><thead><tr><th>扣分项</th><th class="n">机器</th>${two ? '<th class="n">复核</th>' : ""}</tr></thead><tbody>`;
  for (const { d, m: mp, r: rp, rep } of rows.values()) {
    const changed = two && mp !== rp ? " changed" : "";
    h += `<tr class="dd${changed}" data-reason="${esc(d.reason)}"><td><span class="rs">${esc(label("reason", d.reason))}</span> <b class="ref">${esc((d.refs || []).join(" / "))}</b>` +
      `<div class="dt">${dedText(d, rep || m, ctx)} ${seekLink(d.turn, utts, true)}</div></td>` +
      `<td class="n">${mp === null ? "—" : "−" + esc(mp)}</td>${two ? `<td class="n">${rp === null ? "—" : "−" + esc(rp)}</td>` : ""}</tr>`;
  }
  const mt = sum(md), rt = sum(rd);
  h += `</tbody><tfoot><tr><td>合计扣分</td><td class="n" id="machine-deducted">−${mt}</td>${two ? `<td class="n" id="reviewed-deducted">−${rt}</td>` : ""}</tr>` +
    `<tr><td>得分 = max(0, 100 − 合计)</td><td class="n" id="machine-total">${scoreText(m.score)}</td>${two ? `<td class="n" id="reviewed-total">${scoreText(r.score)}</td>` : ""}</tr></tfoot></table></details>`;

  h += analyticsHTML(m);

  // the violations, for moving through a long call
  const flagged = [];
  utts.forEach((u, i) => (u.flags || []).forEach((f) => { if (VIOLATION.has(f.kind)) flagged.push([i, f]); }));
  for (const a of rec.added || []) flagged.push([a.utterance, a, true]);
  h += `<details${flagged.length <= 30 ? " open" : ""} class="pan"><summary>违规与补标(${flagged.length})</summary><ul class="flaglist">`;
  for (const [i, f, added] of flagged) {
    const st = added ? "added" : f.verdict ? f.verdict.verdict : "none";
    h += `<li class="k-${esc(f.kind)} v-${esc(st)}"><b class="ref">${esc(f.ref)}</b> ${seekLink(i, utts, true)} <span class="vs">${esc(st === "none" ? "待复核" : label("verdict", st))}</span></li>`;
  }
  h += `</ul></details>`;
  return h;
}

function headHTML(rec, ctx) {
  const res = rec.result || {};
  const sc = res.scenario || rec.scenario;
  return `<h1>${esc(rec.filename)}</h1><p class="meta">` +
    `<span>坐席 <b>${esc(rec.agent_id || "—")}</b></span>` +
    `<span>场景 <b>${esc(ctx.scenarioTitle(sc))}</b>${res.scenario_inferred || (!rec.scenario && sc) ? "(自动识别)" : ""}</span>` +
    `<span>时长 <b>${clock(rec.duration)}</b></span><span>上传 <b>${esc(when(rec.created_at))}</b></span>` +
    `<span>状态 <b class="st-${esc(rec.status)}">${esc(label("status", rec.status))}</b></span>` +
    (res.utterances ? `<span><b>${res.utterances.length}</b> 句</span>` : "") +
    (res.speakers === "inferred" ? `<span>说话人 <b>${esc(label("attribution", (res.speaker_attribution || {}).method || "voices"))}</b>` +
      `${(res.speaker_attribution || {}).swapped ? "(已人工对调)" : ""}</span>` +
      `<button type="button" class="linkish" data-act="swap" id="swap-speakers">对调坐席与客户</button>` : "") +
    (rec.status === "done" ? `<button type="button" class="linkish to-panel" data-act="to-panel">评分与扣分明细 ↓</button>` : "") +
    (rec.status === "done" ? `<span class="hdr-scores">评分 机器 <b>${scoreText(rec.score)}</b> · 复核 <b>${esc(rec.review && rec.review.reviewed_score !== null && rec.review.reviewed_score !== undefined ? rec.review.reviewed_score : "—")}</b></span>` : "") + `</p>`;
}

const LEGEND = `<p class="legend"><span class="lg k-taboo">服务禁语</span><span class="lg k-discipline">服务纪律</span>` +
  `<span class="lg k-script">规范话术(已说)</span><span class="lg v-rejected">已驳回</span><span class="lg k-added">补标</span>` +
  `<span class="muted">点击语句从该处播放</span></p>`;

/** Show recording `id` in `root`; returns a function that tears the view down. */
export function showRecording(root, id, ctx) {
  let alive = true, timer = 0, rec = null, cur = -1, blobUrl = null;
  const ac = new AbortController();
  root.innerHTML = `<section class="rec"><p><a href="#/" data-back>← 返回列表</a></p><div id="rec-head"><p class="muted">加载中…</p></div>` +
    `<div id="rec-body"></div></section>`;
  const head = root.querySelector("#rec-head"), body = root.querySelector("#rec-body");

  const utts = () => (rec && rec.result && rec.result.utterances) || [];

  function render() {
    head.innerHTML = headHTML(rec, ctx);
    if (rec.status !== "done") {
      body.innerHTML = rec.status === "failed"
        ? `<p class="error">分析失败:${esc(rec.error || "未知错误")}</p>`
        : `<p class="muted">${esc(label("status", rec.status))}… 完成后自动显示。</p>`;
      return;
    }
    const src = rec.audio_url || "";
    const list = utts();
    const added = addedByUtt(rec);
    const events = eventsOf(rec.result), overlapped = overlapSet(rec.result);
    const parts = [];
    for (let i = 0; i < list.length; i++) {
      while (events.length && events[0].t <= list[i].start + 0.6) parts.push(eventHTML(events.shift()));
      parts.push(uttHTML(list[i], i, added.get(i), overlapped.has(i)));
    }
    for (const e of events) parts.push(eventHTML(e));
    const html = `<div class="rec-grid"><div class="rec-main"><div class="player">` +
      `<audio id="player" controls preload="metadata"></audio>${LEGEND}</div>` +
      `<ol id="timeline" class="timeline" data-count="${list.length}">${parts.join("")}</ol></div>` +
      `<aside id="panel" class="panel">${panelHTML(rec, ctx)}</aside></div>`;
    performance.mark("huashu:timeline-html");
    body.innerHTML = html;
    performance.mark("huashu:timeline-rendered");
    const audio = root.querySelector("#player");
    audio.addEventListener("timeupdate", () => follow(audio.currentTime));
    audio.addEventListener("error", () => renewAudio(audio));
    requestAnimationFrame(() => setTimeout(() => {
      performance.mark("huashu:timeline-painted");
      const tl = root.querySelector("#timeline");
      if (tl) tl.dataset.painted = "1";
      // The player's media loads once the transcript is on screen, not in its way.
      if (!alive) return;
      if (src) audio.src = src;
      else loadAudioFallback(audio);
    }, 0));
  }

  // The signed audio link lasts an hour: when it fails (expired), get a fresh one from the
  // recording and carry on from the same place (at most once a minute).
  let renewedAt = 0;
  async function renewAudio(audio) {
    if (!alive || !rec || !rec.audio_url || Date.now() - renewedAt < 60000) return;
    renewedAt = Date.now();
    const at = audio.currentTime;
    try {
      const fresh = await api(`/v1/recordings/${encodeURIComponent(id)}`, { signal: ac.signal });
      if (!alive || !fresh.audio_url) return;
      rec.audio_url = fresh.audio_url;
      audio.src = fresh.audio_url;
      audio.addEventListener("loadedmetadata", () => { audio.currentTime = at; }, { once: true });
    } catch (e) {
      if (alive && e.name !== "AbortError") toast("无法加载录音音频:" + errorWords(e), "error");
    }
  }

  async function loadAudioFallback(audio) {
    try {
      const r = await api(`/v1/recordings/${encodeURIComponent(id)}/audio`, { raw: true, signal: ac.signal });
      const b = await r.blob();
      if (!alive) return;
      blobUrl = URL.createObjectURL(b);
      audio.src = blobUrl;
    } catch (e) {
      if (alive && e.name !== "AbortError") toast("无法加载录音音频:" + errorWords(e), "error");
    }
  }

  function follow(t) {
    const list = utts();
    let lo = 0, hi = list.length - 1, k = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].start <= t) { k = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (k !== -1 && t > list[k].end + 0.05) k = -1;
    if (k === cur) return;
    const old = root.querySelector("#u" + cur);
    if (old) old.classList.remove("cur");
    cur = k;
    const el = k >= 0 ? root.querySelector("#u" + k) : null;
    if (el) el.classList.add("cur");
  }

  function seek(i, play) {
    const u = utts()[i];
    const audio = root.querySelector("#player");
    if (!u || !audio) return;
    audio.currentTime = u.start;
    if (play) audio.play().catch(() => {});
    return select(root.querySelector("#u" + i));
  }

  function select(el) {
    const old = root.querySelector(".utt.sel");
    if (old && old !== el) {
      old.classList.remove("sel");
      const b = old.querySelector(".add");
      if (b) b.remove();
    }
    if (el && !el.querySelector(".add")) {
      el.classList.add("sel");
      el.querySelector(".tx").insertAdjacentHTML("afterend", ADD_BUTTON);
    }
    return el;
  }

  async function load() {
    try {
      const [r] = await Promise.all([api(`/v1/recordings/${encodeURIComponent(id)}`, { signal: ac.signal }), ctx.ready]);
      if (!alive) return;
      performance.mark("huashu:rec-fetched");
      rec = r;
      render();
      if (rec.status === "queued" || rec.status === "running") timer = setTimeout(load, 2000);
    } catch (e) {
      if (!alive || e.name === "AbortError") return;
      head.innerHTML = `<p class="error">${esc(errorWords(e))}</p>`;
    }
  }

  function findFlag(fid) {
    const list = utts();
    for (let i = 0; i < list.length; i++) {
      for (const f of list[i].flags || []) if (flagId(f, i) === fid) return { i, f };
    }
    const a = (rec.added || []).find((x) => x.flag_id === fid);
    return a ? { i: a.utterance, f: a, added: true } : null;
  }

  function rerenderUtt(i) {
    const el = root.querySelector("#u" + i);
    if (!el) return;
    const wasSel = el.classList.contains("sel"), wasCur = el.classList.contains("cur");
    el.outerHTML = uttHTML(utts()[i], i, addedByUtt(rec).get(i), overlapSet(rec.result).has(i));
    const fresh = root.querySelector("#u" + i);
    if (wasSel) select(fresh);
    if (wasCur) fresh.classList.add("cur");
  }

  function applyResponse(resp) {
    if (resp && resp.review) { rec.review = resp.review; rec.score = resp.review.machine_score ?? rec.score; }
    if (resp && resp.reviewed !== undefined) rec.reviewed = resp.reviewed;
    root.querySelector("#panel").innerHTML = panelHTML(rec, ctx);
    head.innerHTML = headHTML(rec, ctx);
  }

  async function verdict(fid, v, comment) {
    const hit = findFlag(fid);
    if (!hit) return;
    const payload = { flag_id: fid, verdict: v };
    if (comment) payload.comment = comment;
    try {
      const resp = await api(`/v1/recordings/${encodeURIComponent(id)}/verdicts`, { method: "POST", body: payload });
      if (!alive) return;
      const row = resp.verdict || {};
      hit.f.verdict = { verdict: row.verdict || v, comment: row.comment ?? comment ?? null,
                        reviewer: row.reviewer, at: row.at };
      rerenderUtt(hit.i);
      applyResponse(resp);
      toast(`${label("verdict", v)} ${hit.f.ref}`);
    } catch (e) {
      if (alive) toast(errorWords(e), "error");
    }
  }

  async function withdraw(fid) {
    const hit = findFlag(fid);
    if (!hit) return;
    try {
      const resp = await api(`/v1/recordings/${encodeURIComponent(id)}/verdicts/${encodeURIComponent(fid)}`, { method: "DELETE" });
      if (!alive) return;
      if (hit.added) rec.added = (rec.added || []).filter((a) => a.flag_id !== fid);
      else delete hit.f.verdict;
      rerenderUtt(hit.i);
      applyResponse(resp);
      toast("已撤销 " + hit.f.ref);
    } catch (e) {
      if (alive) toast(errorWords(e), "error");
    }
  }

  async function addFlag(i) {
    const u = utts()[i];
    const opts = ctx.refOptions();
    const got = await ctx.dialog({
      title: `在第 ${i + 1} 句补标漏检`,
      body: `<p class="quote"><span class="muted">${esc(label("speaker", u.speaker))} ${clock(u.start)}</span> ${esc(u.text)}</p>` +
        `<label for="dlg-ref">规范条目</label><select id="dlg-ref" required>${opts}</select>`,
      buttons: [["added", "补标", "primary"], ["", "取消", ""]],
    });
    if (!got || got.value !== "added") return;
    const ref = got.form.querySelector("#dlg-ref").value;
    if (!ref) return;
    const payload = { utterance: i, ref, verdict: "added" };
    if (got.comment) payload.comment = got.comment;
    try {
      const resp = await api(`/v1/recordings/${encodeURIComponent(id)}/verdicts`, { method: "POST", body: payload });
      if (!alive) return;
      const row = resp.verdict || {};
      const fid = row.flag_id || `${i}:${ref}:added`;
      const entry = { ...row, flag_id: fid, utterance: i, ref, verdict: "added",
                      kind: row.kind || ctx.kindOf(ref), standard: row.standard || ctx.standard(ref) };
      rec.added = (rec.added || []).filter((a) => a.flag_id !== fid).concat([entry]);
      rerenderUtt(i);
      applyResponse(resp);
      toast("已补标 " + ref);
    } catch (e) {
      if (alive) toast(errorWords(e), "error");
    }
  }

  async function swapSpeakers() {
    const got = await ctx.dialog({
      title: "对调坐席与客户",
      body: `<p>单声道录音的说话人由声纹推断。若坐席与客户弄反了,对调后将重新匹配并评分;` +
        `不再存在的标记上的复核结论会被撤销(历史保留)。再次对调可恢复。</p>`,
      buttons: [["swap", "对调", "primary"], ["", "取消", ""]],
    });
    if (!got || got.value !== "swap") return;
    try {
      const resp = await api(`/v1/recordings/${encodeURIComponent(id)}/speakers/swap`, { method: "POST", body: {} });
      if (!alive) return;
      await load();
      const n = (resp.withdrawn || []).length;
      toast("已对调说话人" + (n ? `,撤销 ${n} 条复核` : ""));
    } catch (e) {
      if (alive) toast(errorWords(e), "error");
    }
  }

  async function note(fid) {
    const hit = findFlag(fid);
    if (!hit) return;
    const f = hit.f, u = utts()[hit.i];
    const got = await ctx.dialog({
      title: `复核 ${f.ref}(${label("kind", f.kind)})`,
      body: `<p class="std">${esc(f.standard)}</p><p class="quote"><span class="muted">${esc(label("speaker", u.speaker))} ${clock(u.start)}</span> ${esc(u.text)}</p>`,
      comment: f.verdict ? f.verdict.comment || "" : "",
      buttons: [["confirmed", "确认", "ok"], ["rejected", "驳回", "no"], ["", "取消", ""]],
    });
    if (got && got.value) await verdict(fid, got.value, got.comment);
  }

  root.addEventListener("click", onClick, { signal: ac.signal });
  root.addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter" || !ev.target.classList || !ev.target.classList.contains("utt")) return;
    seek(+ev.target.dataset.i, true);
  }, { signal: ac.signal });

  function onClick(ev) {
    const t = ev.target;
    const act = t.closest("[data-act]");
    if (act && root.contains(act)) {
      const li = act.closest(".utt");
      const i = li ? +li.dataset.i : -1;
      const a = act.dataset.act;
      if (a === "add") { addFlag(i); return; }
      if (a === "to-panel") { root.querySelector("#panel").scrollIntoView({ block: "start" }); return; }
      if (a === "swap") { swapSpeakers(); return; }
      const fid = act.closest(".flag") && act.closest(".flag").dataset.f;
      if (!fid) return;
      if (a === "confirmed" || a === "rejected") verdict(fid, a);
      else if (a === "note") note(fid);
      else if (a === "undo") withdraw(fid);
      return;
    }
    const sk = t.closest("[data-seek]");
    if (sk) {
      ev.preventDefault();
      const el = seek(+sk.dataset.seek, true);
      if (el) el.scrollIntoView({ block: "center", behavior: "smooth" });
      return;
    }
    const utt = t.closest(".utt");
    if (utt && !t.closest("button, a, input, select, textarea")) seek(+utt.dataset.i, true);
  }

  load();
  return () => {
    alive = false;
    clearTimeout(timer);
    ac.abort();
    const audio = root.querySelector("#player");
    if (audio) { audio.pause(); audio.removeAttribute("src"); audio.load(); }
    if (blobUrl) URL.revokeObjectURL(blobUrl);
  };
}

