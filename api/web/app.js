// The review page: sign-in, upload, the list of recordings, the precision report, and the
// router (state in the URL hash: #/?filters, #/r/<id>, #/precision?filters, #/suggestions).

import { showRecording } from "./recording.js";
import {
  $, api, ApiError, clock, dayStart, download, esc, errorWords, key, label, qs,
  setUnauthorizedHandler, toast, upload, when,
} from "./util.js";

const PAGE = 20;
const SORTABLE = { created_at: "上传时间", agent_id: "坐席", duration: "时长", score: "机器评分",
                   reviewed_score: "复核评分", violations: "违规" };

const view = $("#view");
let teardown = () => {};
let current = null; // {name, update?}
let bank = { scenarios: [], refs: [] };
let refByName = new Map();
let canUpload = true;
const uploads = []; // {uid, name, size, progress, phase, id, error, score, dup}
let uploadTimer = 0;

// -- context shared with the recording view ----------------------------------------------

const ctx = {
  standard: (ref) => (refByName.get(ref) || {}).standard || "",
  kindOf: (ref) => (refByName.get(ref) || {}).kind || (String(ref).startsWith("8.") ? "taboo" : "script"),
  scenarioTitle: (sc) => {
    if (!sc) return "自动识别";
    if (sc === "undetermined") return "无模板(未识别出场景)";
    const t = bank.scenarios.find((s) => s.scenario === sc);
    return t ? `${t.title}` : sc;
  },
  refOptions: () => {
    const by = { taboo: [], discipline: [], script: [] };
    for (const r of bank.refs) (by[r.kind] || (by[r.kind] = [])).push(r);
    let h = `<option value="">— 选择条目 —</option>`;
    for (const [kind, rs] of Object.entries(by)) {
      if (!rs.length) continue;
      h += `<optgroup label="${esc(label("kind", kind))}">` +
        rs.map((r) => `<option value="${esc(r.ref)}">${esc(r.ref)} ${esc(Array.from(r.standard).slice(0, 36).join(""))}</option>`).join("") +
        `</optgroup>`;
    }
    return h;
  },
  dialog,
  ready: Promise.resolve(),
};

/** The shared <dialog>: resolves {value, comment, form} or null when cancelled. */
function dialog({ title, body, comment = "", buttons }) {
  const dlg = $("#dlg");
  $("#dlg-title").textContent = title;
  $("#dlg-body").innerHTML = body;
  $("#dlg-comment").value = comment;
  $("#dlg-error").hidden = true;
  $("#dlg-buttons").innerHTML = buttons.map(([v, text, cls]) =>
    `<button value="${esc(v)}" class="${esc(cls)}"${v ? "" : ' formnovalidate'}>${esc(text)}</button>`).join("");
  dlg.returnValue = "";
  return new Promise((resolve) => {
    dlg.addEventListener("close", () => {
      const v = dlg.returnValue;
      resolve(v ? { value: v, comment: $("#dlg-comment").value.trim(), form: $("#dlg-form") } : null);
    }, { once: true });
    dlg.showModal();
  });
}

// -- sign-in -------------------------------------------------------------------------------

function showSignin(message) {
  teardown();
  teardown = () => {};
  current = null;
  view.innerHTML = "";
  $("#signin").hidden = false;
  $("#nav").hidden = true;
  $("#signout").hidden = true;
  const err = $("#signin-error");
  err.hidden = !message;
  err.textContent = message || "";
  $("#key").value = "";
  $("#key").focus();
}

function signOut(message) {
  key.clear();
  uploads.length = 0;
  clearTimeout(uploadTimer);
  showSignin(message);
}

setUnauthorizedHandler(() => signOut("密钥已失效或已被吊销,请重新登录。"));

$("#signin-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const k = $("#key").value.trim();
  const err = $("#signin-error");
  err.hidden = true;
  if (!k) return;
  const btn = ev.submitter || $("#signin-form button");
  btn.disabled = true;
  try {
    await api("/v1/recordings?limit=1", { keyOverride: k });
    key.set(k);
    $("#key").value = "";
    await start();
  } catch (e) {
    err.textContent = e instanceof ApiError && e.status === 401 ? "密钥无效或已被吊销,请检查后重试。"
      : e instanceof ApiError && e.status === 403 ? "此密钥没有 review(复核)权限,无法登录复核台。"
      : errorWords(e);
    err.hidden = false;
  } finally {
    btn.disabled = false;
  }
});

$("#signout").addEventListener("click", () => signOut(""));

/** The bank's scenarios and refs; never rejects (a 401 signs out through the handler). */
async function loadBank() {
  try {
    bank = await api("/v1/web/bank");
  } catch (e) {
    bank = { scenarios: [], refs: [] };
  }
  refByName = new Map(bank.refs.map((r) => [r.ref, r]));
}

async function start() {
  $("#signin").hidden = true;
  $("#nav").hidden = false;
  $("#signout").hidden = false;
  // The recording view fetches its recording while the bank loads (it awaits ctx.ready).
  ctx.ready = loadBank();
  if (parseHash().name !== "rec") await ctx.ready;
  if (key.get()) route();
}

// -- router --------------------------------------------------------------------------------

function parseHash() {
  const h = location.hash.replace(/^#/, "") || "/";
  const [path, query] = h.split("?");
  const params = Object.fromEntries(new URLSearchParams(query || ""));
  const m = path.match(/^\/r\/([0-9a-zA-Z_-]{1,64})$/);
  if (m) return { name: "rec", id: m[1] };
  if (path === "/precision") return { name: "precision", params };
  if (path === "/suggestions") return { name: "suggestions", params };
  return { name: "list", params };
}

function route() {
  if (!key.get()) { showSignin(""); return; }
  const r = parseHash();
  for (const a of document.querySelectorAll("[data-nav]")) a.classList.toggle("on", a.dataset.nav === r.name);
  if (current && current.name === r.name && current.update && r.name !== "rec") {
    current.update(r.params);
    return;
  }
  teardown();
  view.innerHTML = "";
  if (r.name === "rec") {
    teardown = showRecording(view, r.id, ctx);
    current = { name: "rec" };
    document.title = "录音复核 · 话术复核台";
  } else if (r.name === "precision") {
    current = precisionView(r.params);
    document.title = "复核准确率 · 话术复核台";
  } else if (r.name === "suggestions") {
    current = suggestionsView();
    document.title = "话术库建议 · 话术复核台";
  } else {
    current = listView(r.params);
    document.title = "录音列表 · 话术复核台";
  }
}

window.addEventListener("hashchange", route);

// -- upload --------------------------------------------------------------------------------

const PHASE = { uploading: "上传中", queued: "排队中", running: "分析中", done: "已完成", failed: "分析失败", error: "上传失败" };

function uploadCardHTML() {
  const opts = bank.scenarios.map((s) => `<option value="${esc(s.scenario)}">${esc(s.title)}(${esc(s.scenario)})</option>`).join("");
  return `<section class="card upload" id="upload-card"><h2>上传录音</h2>` +
    `<p id="upload-denied" class="error" hidden></p>` +
    `<div class="fields"><label>场景<select id="up-scenario"><option value="">自动识别</option>${opts}</select></label>` +
    `<label>坐席工号<input id="up-agent" maxlength="200" autocomplete="off"></label>` +
    `<fieldset class="chan"><legend>坐席声道(立体声录音)</legend>` +
    `<label><input type="radio" name="up-ch" value="left" checked> 左声道</label>` +
    `<label><input type="radio" name="up-ch" value="right"> 右声道</label></fieldset></div>` +
    `<div id="drop" class="drop">将录音文件拖到这里,或 <label class="btn">选择文件<input id="up-files" class="vh" type="file" multiple ` +
    `accept="audio/*,.wav,.mp3,.m4a,.amr,.ogg,.opus,.flac,.webm,.aac,.wma"></label>` +
    `<span id="picked" class="muted"></span></div>` +
    `<div class="row"><button id="up-go" type="button" class="primary" disabled>上传</button></div>` +
    `<ul id="uploads" class="uploads"></ul></section>`;
}

function renderUploads() {
  const ul = $("#uploads");
  if (!ul) return;
  ul.innerHTML = uploads.map((u) => {
    const link = u.id ? ` <a href="#/r/${esc(u.id)}">查看</a>` : "";
    let st = esc(PHASE[u.phase] || u.phase);
    if (u.phase === "uploading") st += ` ${Math.round(u.progress * 100)}%`;
    if (u.phase === "done" && u.score !== null && u.score !== undefined) st += ` · 评分 ${esc(u.score)}`;
    if (u.dup) st += "(重复上传,沿用已有录音)";
    const err = u.error ? `<span class="error">${esc(u.error)}</span>` : "";
    return `<li class="up up-${esc(u.phase)}" data-uid="${u.uid}"><span class="name">${esc(u.name)}</span>` +
      `<progress max="1" value="${u.phase === "uploading" ? u.progress : 1}"></progress>` +
      `<span class="st">${st}</span>${link}${err}</li>`;
  }).join("");
}

let uidSeq = 0;
let picked = [];

function wireUpload(onChange) {
  const drop = $("#drop"), input = $("#up-files"), go = $("#up-go");
  const setPicked = (files) => {
    picked = Array.from(files || []);
    $("#picked").textContent = picked.length ? `已选 ${picked.length} 个文件:` + picked.map((f) => f.name).join("、") : "";
    go.disabled = !picked.length || !canUpload;
  };
  input.addEventListener("change", () => setPicked(input.files));
  drop.addEventListener("dragover", (ev) => { ev.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (ev) => {
    ev.preventDefault();
    drop.classList.remove("over");
    setPicked(ev.dataTransfer.files);
  });
  go.addEventListener("click", async () => {
    const files = picked;
    setPicked([]);
    input.value = "";
    const fields = {
      scenario: $("#up-scenario").value,
      agent_id: $("#up-agent").value.trim(),
      agent_channel: (document.querySelector('input[name="up-ch"]:checked') || {}).value || "left",
    };
    for (const f of files) {
      uploads.unshift({ uid: ++uidSeq, name: f.name, size: f.size, progress: 0, phase: "uploading", file: f });
    }
    renderUploads();
    for (const u of uploads.filter((x) => x.file)) {
      const f = u.file;
      delete u.file;
      try {
        const r = await upload(f, fields, (p) => { u.progress = p; renderUploads(); });
        u.id = r.data.id;
        u.phase = r.data.status || "queued";
        u.dup = !!r.data.duplicate;
        if (u.phase === "done") u.score = r.data.score;
        if (u.phase === "failed") u.error = r.data.error;
      } catch (e) {
        u.phase = "error";
        if (e instanceof ApiError && e.status === 403) {
          canUpload = false;
          u.error = "此密钥没有 upload(上传)权限,不能上传录音。请使用同时具有 review 和 upload 权限的密钥。";
          const d = $("#upload-denied");
          if (d) { d.textContent = u.error; d.hidden = false; }
        } else {
          u.error = errorWords(e);
        }
      }
      renderUploads();
      onChange();
    }
    pollUploads(onChange);
  });
  if (!canUpload) {
    const d = $("#upload-denied");
    d.textContent = "此密钥没有 upload(上传)权限,不能上传录音。";
    d.hidden = false;
  }
}

function pollUploads(onChange) {
  clearTimeout(uploadTimer);
  const active = uploads.filter((u) => u.id && (u.phase === "queued" || u.phase === "running"));
  if (!active.length) return;
  uploadTimer = setTimeout(async () => {
    let changed = false;
    for (const u of active) {
      try {
        const r = await api(`/v1/recordings/${encodeURIComponent(u.id)}`);
        if (r.status !== u.phase) {
          changed = true;
          u.phase = r.status;
          u.score = r.score;
          u.error = r.status === "failed" ? r.error || "分析失败" : null;
        }
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return;
      }
    }
    renderUploads();
    if (changed) onChange();
    pollUploads(onChange);
  }, 1500);
}

// -- the list ------------------------------------------------------------------------------

function listView(params) {
  let state = normList(params);
  let timer = 0, seq = 0, dead = false;
  view.innerHTML = uploadCardHTML() +
    `<section class="card"><h2>录音列表</h2><form id="filters" class="filters">` +
    `<label>坐席<input name="agent" maxlength="200" autocomplete="off"></label>` +
    `<label>从<input name="from" type="date"></label><label>到<input name="to" type="date"></label>` +
    `<label class="chk"><input name="viol" type="checkbox"> 有违规</label>` +
    `<label class="chk"><input name="unrev" type="checkbox"> 未复核</label>` +
    `<button type="submit" class="primary">筛选</button><button type="button" id="f-clear">清除</button></form>` +
    `<div class="tablewrap"><table id="list" class="list"><thead><tr>` +
    th("created_at") + `<th>文件</th>` + th("agent_id") + `<th>场景</th>` + th("duration") + th("score") +
    th("reviewed_score") + th("violations") + `<th>复核状态</th><th>状态</th></tr></thead><tbody></tbody></table></div>` +
    `<p id="list-msg" class="muted"></p><nav class="pager"><button type="button" id="prev">上一页</button>` +
    `<span id="pageinfo"></span><button type="button" id="next">下一页</button></nav></section>`;

  function th(k) { return `<th class="sort" data-sort="${k}" tabindex="0">${SORTABLE[k]}<span class="arrow"></span></th>`; }

  const form = $("#filters");
  function fillForm() {
    form.agent.value = state.agent;
    form.from.value = state.from;
    form.to.value = state.to;
    form.viol.checked = state.viol;
    form.unrev.checked = state.unrev;
    for (const el of view.querySelectorAll("th.sort")) {
      const k = el.dataset.sort;
      const on = state.sort.replace(/^-/, "") === k;
      el.classList.toggle("on", on);
      el.setAttribute("aria-sort", on ? (state.sort.startsWith("-") ? "descending" : "ascending") : "none");
      el.querySelector(".arrow").textContent = on ? (state.sort.startsWith("-") ? " ▼" : " ▲") : "";
    }
  }

  function go(next) {
    const s = { ...state, ...next };
    location.hash = "#/" + qs({ agent: s.agent, from: s.from, to: s.to, viol: s.viol ? 1 : "",
                                unrev: s.unrev ? 1 : "", sort: s.sort === "-created_at" ? "" : s.sort,
                                page: s.page > 1 ? s.page : "" });
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    go({ agent: form.agent.value.trim(), from: form.from.value, to: form.to.value,
         viol: form.viol.checked, unrev: form.unrev.checked, page: 1 });
  });
  $("#f-clear").addEventListener("click", () => { location.hash = "#/"; });
  for (const el of view.querySelectorAll("th.sort")) {
    const sortBy = () => {
      const k = el.dataset.sort;
      const cur = state.sort.replace(/^-/, "");
      const desc = cur === k ? !state.sort.startsWith("-") : k !== "agent_id";
      go({ sort: (desc ? "-" : "") + k, page: 1 });
    };
    el.addEventListener("click", sortBy);
    el.addEventListener("keydown", (ev) => { if (ev.key === "Enter") sortBy(); });
  }
  $("#prev").addEventListener("click", () => go({ page: Math.max(1, state.page - 1) }));
  $("#next").addEventListener("click", () => go({ page: state.page + 1 }));
  $("#list tbody").addEventListener("click", (ev) => {
    if (ev.target.closest("a")) return;
    const tr = ev.target.closest("tr[data-id]");
    if (tr) location.hash = "#/r/" + tr.dataset.id;
  });

  async function fetchList() {
    clearTimeout(timer);
    if (dead) return;
    const my = ++seq;
    const q = qs({
      agent_id: state.agent, since: dayStart(state.from), until: dayStart(state.to, 1),
      has_violations: state.viol ? "true" : "", unreviewed: state.unrev ? "true" : "",
      sort: state.sort, limit: PAGE, offset: (state.page - 1) * PAGE,
    });
    let data;
    try {
      data = await api("/v1/recordings" + q);
    } catch (e) {
      if (my === seq && !(e instanceof ApiError && e.status === 401)) {
        $("#list-msg").textContent = errorWords(e);
        timer = setTimeout(fetchList, 5000);
      }
      return;
    }
    if (my !== seq) return;
    renderRows(data);
    let synced = false; // the list may see an upload finish before the upload's own poll
    for (const r of data.items) {
      const u = uploads.find((x) => x.id === r.id);
      if (u && u.phase !== r.status && u.phase !== "uploading") {
        u.phase = r.status;
        u.score = r.score;
        u.error = r.status === "failed" ? r.error || "分析失败" : null;
        synced = true;
      }
    }
    if (synced) renderUploads();
    const busy = data.items.some((r) => r.status === "queued" || r.status === "running") ||
      uploads.some((u) => u.phase === "uploading" || u.phase === "queued" || u.phase === "running");
    if (busy) timer = setTimeout(fetchList, 2000);
  }

  function renderRows(data) {
    const rows = data.items.map((r) => {
      const rv = r.review || {};
      const reviewed = rv.reviewed_score === null || rv.reviewed_score === undefined ? "—" : esc(rv.reviewed_score);
      const err = r.status === "failed" && r.error ? `<div class="error small">${esc(r.error)}</div>` : "";
      return `<tr data-id="${esc(r.id)}" class="st-${esc(r.status)}"><td>${esc(when(r.created_at))}</td>` +
        `<td class="fn"><a href="#/r/${esc(r.id)}">${esc(r.filename)}</a></td><td>${esc(r.agent_id || "—")}</td>` +
        `<td>${esc(ctx.scenarioTitle(r.scenario))}</td><td class="n">${clock(r.duration)}</td>` +
        `<td class="n score">${r.score === null || r.score === undefined ? (r.status === "done" ? "无模板" : "—") : esc(r.score)}</td><td class="n">${reviewed}</td>` +
        `<td class="n${r.violations ? " viol" : ""}">${r.violations === null || r.violations === undefined ? "—" : esc(r.violations)}</td>` +
        `<td><span class="badge rv-${esc(rv.state || "none")}">${r.status === "done" ? esc(label("review", rv.state || "unreviewed")) : "—"}</span></td>` +
        `<td class="status"><span class="st">${esc(label("status", r.status))}</span>${err}</td></tr>`;
    });
    $("#list tbody").innerHTML = rows.join("");
    const pages = Math.max(1, Math.ceil(data.total / PAGE));
    $("#pageinfo").textContent = `第 ${state.page} / ${pages} 页 · 共 ${data.total} 条`;
    $("#prev").disabled = state.page <= 1;
    $("#next").disabled = state.page >= pages;
    $("#list-msg").textContent = data.total ? "" : "没有符合条件的录音。";
  }

  wireUpload(() => fetchList());
  renderUploads();
  pollUploads(() => fetchList());
  fillForm();
  fetchList();
  teardown = () => { dead = true; clearTimeout(timer); seq++; };
  return {
    name: "list",
    update(p) { state = normList(p); fillForm(); fetchList(); },
  };
}

function normList(p) {
  const sortKey = (p.sort || "").replace(/^-/, "");
  return {
    agent: p.agent || "", from: /^\d{4}-\d{2}-\d{2}$/.test(p.from || "") ? p.from : "",
    to: /^\d{4}-\d{2}-\d{2}$/.test(p.to || "") ? p.to : "",
    viol: p.viol === "1", unrev: p.unrev === "1",
    sort: SORTABLE[sortKey] ? p.sort : "-created_at",
    page: Math.max(1, parseInt(p.page, 10) || 1),
  };
}

// -- precision -----------------------------------------------------------------------------

function precisionView(params) {
  let state = normPrec(params);
  let seq = 0;
  view.innerHTML = `<section class="card"><h2>复核准确率(按条目)</h2>` +
    `<p class="muted">准确率 = 确认 ÷(确认 + 驳回):复核员确认机器标记的比例。</p>` +
    `<form id="pfilters" class="filters"><label>坐席<input name="agent" maxlength="200" autocomplete="off"></label>` +
    `<label>从<input name="from" type="date"></label><label>到<input name="to" type="date"></label>` +
    `<button type="submit" class="primary">筛选</button></form>` +
    `<div class="row"><button type="button" id="export-csv">导出 CSV</button><button type="button" id="export-jsonl">导出 JSON Lines</button>` +
    `<span id="export-msg" class="muted"></span></div>` +
    `<div class="tablewrap"><table id="precision" class="list"><thead><tr><th>条目</th><th>类别</th><th>规范原文</th>` +
    `<th class="n">机器标记</th><th class="n">确认</th><th class="n">驳回</th><th class="n">未复核</th><th class="n">补标</th>` +
    `<th class="n">准确率</th></tr></thead><tbody></tbody><tfoot></tfoot></table></div><p id="prec-msg" class="muted"></p></section>`;
  const form = $("#pfilters");
  const fill = () => { form.agent.value = state.agent; form.from.value = state.from; form.to.value = state.to; };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    location.hash = "#/precision" + qs({ agent: form.agent.value.trim(), from: form.from.value, to: form.to.value });
  });
  const filterQuery = (extra) => qs({ ...extra, since: dayStart(state.from), until: dayStart(state.to, 1), agent_id: state.agent });
  for (const [id, fmt] of [["#export-csv", "csv"], ["#export-jsonl", "jsonl"]]) {
    $(id).addEventListener("click", async () => {
      const msg = $("#export-msg");
      msg.textContent = "导出中…";
      try {
        const stamp = new Date().toISOString().slice(0, 10);
        const n = await download("/v1/reviews" + filterQuery({ format: fmt }), `huashu-reviews-${stamp}.${fmt}`);
        msg.textContent = `已导出(${n} 字节)`;
      } catch (e) {
        msg.textContent = errorWords(e);
      }
    });
  }
  const pct = (p) => (p === null || p === undefined ? "—" : (p * 100).toFixed(1) + "%");
  const cells = (c) => `<td class="n">${esc(c.flagged)}</td><td class="n">${esc(c.confirmed)}</td><td class="n">${esc(c.rejected)}</td>` +
    `<td class="n">${esc(c.unreviewed)}</td><td class="n">${esc(c.added)}</td><td class="n prec">${pct(c.precision)}</td>`;
  async function fetchIt() {
    const my = ++seq;
    let data;
    try {
      data = await api("/v1/reviews/precision" + filterQuery({}));
    } catch (e) {
      if (my === seq) $("#prec-msg").textContent = errorWords(e);
      return;
    }
    if (my !== seq) return;
    const refs = data.refs || [];
    $("#precision tbody").innerHTML = refs.map((r) =>
      `<tr data-ref="${esc(r.ref)}"><td><b class="ref">${esc(r.ref)}</b></td><td><span class="kind k-${esc(r.kind)}">${esc(label("kind", r.kind))}</span></td>` +
      `<td class="std">${esc(r.standard)}</td>${cells(r)}</tr>`).join("");
    $("#precision tfoot").innerHTML = data.total ? `<tr><td colspan="3">合计</td>${cells(data.total)}</tr>` : "";
    $("#prec-msg").textContent = refs.length ? "" : "还没有复核记录。";
  }
  fill();
  fetchIt();
  teardown = () => { seq++; };
  return { name: "precision", update(p) { state = normPrec(p); fill(); fetchIt(); } };
}

// Suggestions for the phrasebank from the reviews: each tested on the stored utterances.
const ACTION = { guard: "加防误报", variant: "加变体" };

function suggestionsView() {
  let seq = 0;
  view.innerHTML = `<section class="card"><h2>话术库建议</h2>` +
    `<p class="muted">由复核结果生成:驳回的标记 → 防误报(guard),补标的漏检 → 变体。每条建议都已在全部已存语句上试过;` +
    `应用需要 <b>admin</b> 权限,会安装一个新的话术库版本。</p>` +
    `<div class="tablewrap"><table id="suggestions" class="list"><thead><tr><th>条目</th><th>建议</th><th>内容</th>` +
    `<th>理由</th><th class="n">新增标记</th><th class="n">去掉标记</th><th>解决所指问题</th><th></th></tr></thead>` +
    `<tbody></tbody></table></div><p id="sug-msg" class="muted">计算中…</p></section>`;
  const ex = (list, sign) => (list || []).map((t) => `<div class="ex">${sign} ${esc(t)}</div>`).join("");
  async function fetchIt() {
    const my = ++seq;
    let data;
    try {
      data = await api("/v1/reviews/suggestions");
    } catch (e) {
      if (my === seq) $("#sug-msg").textContent = errorWords(e);
      return;
    }
    if (my !== seq) return;
    const rows = data.suggestions || [];
    $("#suggestions tbody").innerHTML = rows.map((s) =>
      `<tr data-id="${esc(s.id)}"><td><b class="ref">${esc(s.ref)}</b></td><td>${esc(ACTION[s.action] || s.action)}</td>` +
      `<td><code>${esc(s.item)}</code><div class="muted">${esc(s.target)}</div></td><td>${esc(s.reason)}</td>` +
      `<td class="n">${esc(s.test.adds)}${ex(s.test.add_examples, "+")}</td>` +
      `<td class="n">${esc(s.test.removes)}${ex(s.test.remove_examples, "−")}</td>` +
      `<td>${s.test.fixes ? "是" : "否"}</td><td><button type="button" class="apply">应用</button></td></tr>`).join("");
    $("#sug-msg").textContent = rows.length
      ? `话术库 ${data.phrasebank_version}:${rows.length} 条建议,在 ${data.tested_on} 句已存语句上试过。`
      : "暂无建议(没有被驳回或补标的标记)。";
  }
  $("#suggestions").addEventListener("click", async (ev) => {
    const btn = ev.target.closest("button.apply");
    if (!btn) return;
    const id = btn.closest("tr").dataset.id;
    btn.disabled = true;
    try {
      const r = await api(`/v1/phrasebank/suggestions/${encodeURIComponent(id)}/apply`, { method: "POST" });
      toast(`已安装话术库 ${r.version}`);
      await loadBank();
      fetchIt();
    } catch (e) {
      toast(e instanceof ApiError && e.status === 403 ? "应用建议需要 admin 权限的密钥。" : errorWords(e), "error");
      btn.disabled = false;
    }
  });
  fetchIt();
  teardown = () => { seq++; };
  return { name: "suggestions" };
}

function normPrec(p) {
  const d = (v) => (/^\d{4}-\d{2}-\d{2}$/.test(v || "") ? v : "");
  return { agent: p.agent || "", from: d(p.from), to: d(p.to) };
}

// -- boot ----------------------------------------------------------------------------------

if (key.get()) start();
else showSignin("");
