// Language, formatting and DOM helpers of the phone simulator.
// Server data only ever reaches the page through textContent, never as HTML.

import { strings } from "./i18n.js";
import { ApiError, LocalError } from "./api.js";

export const languages = ["en", "ko"];

/** Lang holds the chosen language and translates keys. */
export class Lang {
  constructor(code) { this.code = languages.includes(code) ? code : "en"; }

  t(key, vars = {}) {
    const s = strings[this.code][key] ?? strings.en[key] ?? key;
    return s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  }

  platform(p) {
    const key = "platform." + String(p || "").toLowerCase();
    return key in strings.en ? this.t(key) : (p ? String(p) : this.t("platform.unknown"));
  }

  /** dateTime formats an instant with date and time, for the person's language.
   * Korean is written out by hand, as the desktop writes it ("2026년 12월 1일 오후 3:04"),
   * so it never depends on the browser's locale data. */
  dateTime(iso) {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return "—";
    if (this.code === "ko") return `${d.getFullYear()}년 ${d.getMonth() + 1}월 ${d.getDate()}일 ${koClock(d, false)}`;
    return new Intl.DateTimeFormat(this.code, { dateStyle: "medium", timeStyle: "short" }).format(d);
  }

  /** clock formats the time of day with seconds ("오전 1:35:16"). */
  clock(date) {
    if (this.code === "ko") return koClock(date, true);
    return new Intl.DateTimeFormat(this.code, { hour: "numeric", minute: "2-digit", second: "2-digit" }).format(date);
  }

  /** ago says how long before now an instant was ("3 minutes ago"). */
  ago(iso, now) {
    const t = Date.parse(iso);
    if (Number.isNaN(t)) return "—";
    const sec = Math.round((t - now) / 1000);
    if (Math.abs(sec) < 45) return this.t("time.now");
    const rtf = new Intl.RelativeTimeFormat(this.code, { numeric: "auto" });
    const units = [["day", 86400], ["hour", 3600], ["minute", 60]];
    for (const [unit, size] of units) {
      if (Math.abs(sec) >= size || unit === "minute") return rtf.format(Math.round(sec / size), unit);
    }
    return this.t("time.now");
  }
}

/** koClock is a Korean time of day: 오전/오후, then a 12-hour clock. */
export function koClock(d, seconds) {
  const h = d.getHours() % 12 || 12;
  const mm = String(d.getMinutes()).padStart(2, "0");
  const ss = seconds ? ":" + String(d.getSeconds()).padStart(2, "0") : "";
  return `${d.getHours() < 12 ? "오전" : "오후"} ${h}:${mm}${ss}`;
}

/** pickLanguage chooses from a #lang= hash, a saved choice, then the browser. */
export function pickLanguage(saved) {
  const hash = new URLSearchParams(location.hash.replace(/^#/, "")).get("lang");
  if (languages.includes(hash)) return hash;
  if (languages.includes(saved)) return saved;
  for (const l of navigator.languages || [navigator.language || "en"]) {
    const base = String(l).toLowerCase().split("-")[0];
    if (languages.includes(base)) return base;
  }
  return "en";
}

/** groupCode shows a 6-digit code as "482 913". */
export function groupCode(code) {
  const s = String(code || "");
  return s.replace(/(\d{3})(?=\d)/g, "$1 ");
}

/** countdown formats milliseconds left as m:ss. */
export function countdown(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, "0")}`;
}

/** el builds an element: el("p", {class: "x"}, "text", child). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/**
 * renderError fills an error box: what happened in the person's language,
 * what to do, then the server's own words, the error code and request ID
 * for support. err may be an ApiError, a LocalError or null (clears the box).
 */
export function renderError(box, err, lang) {
  box.replaceChildren();
  box.hidden = !err;
  box.errorValue = err || null;
  if (!err) return;
  if (err instanceof LocalError) {
    box.append(el("p", { class: "error-title" }, lang.t(err.key)));
    return;
  }
  const api = err instanceof ApiError ? err : new ApiError(0, "bad_response", String(err && err.message || err), "");
  // A box may name a context whose wording fits better (data-err-context).
  const ctx = box.dataset.errContext;
  let key = ctx && `err.${ctx}.${api.code}` in strings.en ? `err.${ctx}.${api.code}` : "err." + api.code;
  // A code this page does not know still gets a title in the person's language;
  // the server's English message follows as the detail.
  if (!(key in strings.en)) key = "err.unknown";
  box.append(el("p", { class: "error-title" }, lang.t(key)));
  const more = [];
  if (api.attemptsLeft !== null && api.attemptsLeft > 0) more.push(lang.t("error.attemptsLeft", { n: api.attemptsLeft }));
  if (api.retryAt) more.push(lang.t("error.retryAt", { time: lang.dateTime(api.retryAt) }));
  if (more.length) box.append(el("p", {}, more.join(" ")));
  if (api.message) {
    box.append(el("p", { class: "error-detail" }, `${lang.t("error.serverSays")}: `, el("span", { lang: "en" }, api.message)));
  }
  const meta = el("p", { class: "error-meta" },
    el("span", {}, `${lang.t("error.code")}: `, el("code", {}, api.code)),
    api.status ? el("span", {}, `HTTP ${api.status}`) : null);
  if (api.requestId) {
    meta.append(el("span", {}, `${lang.t("error.requestId")}: `, el("code", { class: "rid" }, api.requestId)));
  }
  box.append(meta);
}
