// Shared helpers of the review page: escaping, formatting, the key, and the API client.
// Every string that comes from the API goes through esc() before it reaches innerHTML.

const KEY = "huashu.key";

export const key = {
  get: () => sessionStorage.getItem(KEY),
  set: (k) => sessionStorage.setItem(KEY, k),
  clear: () => sessionStorage.removeItem(KEY),
};

const ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" };
const ESC_RE = /[&<>"'`]/g;

/** Text (or a number, or null) as HTML-safe text, for element content and quoted attributes. */
export function esc(v) {
  if (v === null || v === undefined) return "";
  return String(v).replace(ESC_RE, (c) => ESC[c]);
}

export const $ = (sel, root = document) => root.querySelector(sel);

/** Seconds as m:ss (h:mm:ss past an hour). */
export function clock(s) {
  if (s === null || s === undefined || !isFinite(s)) return "—";
  const t = Math.max(0, Math.floor(s));
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return (h ? h + ":" : "") + mm + ":" + String(sec).padStart(2, "0");
}

/** An ISO time as local "YYYY-MM-DD HH:MM". */
export function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (isNaN(d)) return String(iso);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export const LABEL = {
  status: { queued: "排队中", running: "分析中", done: "已完成", failed: "失败" },
  review: { unreviewed: "未复核", partial: "部分复核", reviewed: "已复核" },
  kind: { taboo: "服务禁语", discipline: "服务纪律", script: "规范话术" },
  speaker: { agent: "坐席", customer: "客户", unknown: "未知" },
  attribution: { voices: "按声纹推断", words: "按话术推断(声纹难分)", channels: "按声道" },
  verdict: { confirmed: "已确认", rejected: "已驳回", added: "补标" },
  reason: { missing_step: "缺少步骤", out_of_order: "步骤顺序错误",
            unanswered_trigger: "未回应客户诉求", violation: "违规" },
  trigger: { asks_why: "询问故障原因", repeated_fault: "抱怨反复故障", slowness: "抱怨等待太久",
             network_quality: "抱怨网络质量", staff: "抱怨服务人员", feedback_channel: "抱怨反馈渠道",
             upset: "情绪不满或焦虑" },
};

export const label = (group, v) => (LABEL[group] && LABEL[group][v]) || v || "—";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The {"detail": …} of an error response in words. */
export function detailText(body, status) {
  const d = body && body.detail !== undefined ? body.detail : body;
  if (typeof d === "string") return d;
  if (Array.isArray(d)) return d.map((e) => (e && (e.loc || []).slice(1).join(".") + ": " + e.msg) || String(e)).join("; ");
  if (d && typeof d === "object") {
    const parts = [d.message || ""];
    if (Array.isArray(d.problems)) parts.push(d.problems.join("; "));
    return parts.filter(Boolean).join(": ") || JSON.stringify(d);
  }
  return `HTTP ${status}`;
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

/** Call the API with the session's key; JSON in and out. Throws ApiError. */
export async function api(path, { method = "GET", body, signal, raw = false, keyOverride } = {}) {
  const k = keyOverride || key.get();
  const headers = { Accept: "application/json" };
  if (k) headers.Authorization = "Bearer " + k;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let r;
  try {
    r = await fetch(path, { method, headers, signal, cache: "no-store",
                            body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, "无法连接服务:" + e.message);
  }
  if (raw && r.ok) return r;
  let data = null;
  const text = await r.text();
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!r.ok) {
    const err = new ApiError(r.status, detailText(data, r.status));
    if (r.status === 401 && !keyOverride) onUnauthorized(err);
    throw err;
  }
  return data;
}

/** Words for an API error in the page's language (the server's detail kept). */
export function errorWords(e) {
  if (!(e instanceof ApiError)) return "出错了:" + (e && e.message ? e.message : String(e));
  if (e.status === 0) return e.message;
  if (e.status === 401) return "密钥无效或已被吊销(401)";
  if (e.status === 403) return "此密钥没有所需权限(403):" + e.message;
  if (e.status === 404) return "未找到(404):" + e.message;
  return `请求失败(${e.status}):${e.message}`;
}

/** Upload one file with fields by XMLHttpRequest (for its progress events). */
export function upload(file, fields, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) if (v) form.append(k, v);
    form.append("file", file, file.name);
    xhr.open("POST", "/v1/recordings");
    xhr.setRequestHeader("Authorization", "Bearer " + key.get());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (ev) => { if (ev.lengthComputable) onProgress(ev.loaded / ev.total); };
    xhr.onerror = () => reject(new ApiError(0, "无法连接服务(上传中断)"));
    xhr.onload = () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch { data = xhr.responseText; }
      if (xhr.status >= 200 && xhr.status < 300) resolve({ status: xhr.status, data });
      else {
        const err = new ApiError(xhr.status, detailText(data, xhr.status));
        if (xhr.status === 401) onUnauthorized(err);
        reject(err);
      }
    };
    xhr.send(form);
  });
}

/** Fetch with the key and save the body as a file (the key never goes into a URL). */
export async function download(path, filename) {
  const r = await api(path, { raw: true });
  const blob = await r.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return blob.size;
}

let toastTimer = 0;
export function toast(msg, kind = "info") {
  const t = document.getElementById("toast");
  t.textContent = msg;
  t.className = "toast-" + kind;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, kind === "error" ? 8000 : 3500);
}

/** Query string of the defined, non-empty values. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "" && v !== false) u.set(k, String(v));
  }
  const s = u.toString();
  return s ? "?" + s : "";
}

/** A local date (YYYY-MM-DD) as the ISO instant of its local midnight, plus days. */
export function dayStart(d, plusDays = 0) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d || "")) return undefined;
  const t = new Date(d + "T00:00:00");
  if (isNaN(t)) return undefined;
  t.setDate(t.getDate() + plusDays);
  return t.toISOString();
}
