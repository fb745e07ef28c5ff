// The device-link screen: pending sign-in requests with their codes and a
// live countdown, and the linked desktops with a sign-out button. Refreshed
// every two seconds while visible.

import { countdown, el, groupCode } from "./view.js";
import { confirmDialog } from "./dialog.js";

const REFRESH_MS = 2000;
const TICK_MS = 250;
const SOON_MS = 30000;

export class LinkScreen {
  constructor(app) {
    this.app = app;
    this.data = null;       // last answer of GET /phone/v1/link
    this.shown = "";        // JSON of what is rendered, to skip identical redraws
    this.timer = 0;
    this.ticker = 0;
    this.running = false;
    this.generation = 0;    // bumps on pause so a late answer of an old loop is dropped
    this.notice = null;     // {key, vars} of the last success message
  }

  get root() { return document.getElementById("screen-link"); }
  get errorBox() { return this.root.querySelector(".error"); }

  start() {
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && this.running) this.refreshSoon(0);
    });
  }

  resume() {
    if (this.running) return;
    this.running = true;
    this.notice = null;
    this.generation++;
    this.refreshSoon(0);
    this.ticker = window.setInterval(() => this.tick(), TICK_MS);
  }

  pause() {
    this.running = false;
    this.generation++;
    window.clearTimeout(this.timer);
    window.clearInterval(this.ticker);
  }

  clear() {
    this.pause();
    this.data = null;
    this.shown = "";
    this.notice = null;
    this.render(true);
  }

  refreshSoon(ms) {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.refresh(), ms);
  }

  async refresh() {
    const gen = this.generation;
    if (document.hidden) { this.refreshSoon(REFRESH_MS); return; }
    try {
      const data = await this.app.api.link();
      if (gen !== this.generation) return;
      this.data = {
        pending: Array.isArray(data.pending) ? data.pending : [],
        devices: Array.isArray(data.devices) ? data.devices : [],
      };
      this.updated = new Date();
      this.app.showError(this.errorBox, null);
      this.render(false);
    } catch (err) {
      if (gen !== this.generation) return;
      this.app.handleError(this.errorBox, err);
    }
    if (gen === this.generation && this.running) this.refreshSoon(REFRESH_MS);
  }

  /** render redraws the lists when the data changed (or force), keeping focus. */
  render(force) {
    const lang = this.app.lang;
    const json = JSON.stringify([this.data, lang.code, this.notice]);
    const updated = document.getElementById("link-updated");
    updated.textContent = this.updated && this.data ? lang.t("link.updated", { time: lang.clock(this.updated) }) : "";
    if (!force && json === this.shown) { this.tick(); return; }
    this.shown = json;
    const focusKey = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : "";

    const pending = this.data ? this.data.pending : [];
    const devices = this.data ? this.data.devices : [];
    document.getElementById("pending-list").replaceChildren(...pending.map((p) => this.pendingCard(p)));
    document.getElementById("device-list").replaceChildren(...devices.map((d) => this.deviceCard(d)));
    document.getElementById("pending-empty").hidden = !this.data || pending.length > 0;
    document.getElementById("device-empty").hidden = !this.data || devices.length > 0;

    const notice = document.getElementById("link-notice");
    notice.textContent = this.notice ? lang.t(this.notice.key, this.notice.vars) : "";
    notice.hidden = !this.notice;

    if (focusKey) {
      const again = this.root.querySelector(`[data-key="${CSS.escape(focusKey)}"]`);
      if (again) again.focus();
    }
    this.tick();
  }

  pendingCard(p) {
    const lang = this.app.lang;
    const device = p.device || {};
    const card = el("article", { class: "card pending" },
      el("div", { class: "card-head" },
        el("strong", { class: "name" }, device.name || "—"),
        el("span", { class: "badge" }, lang.platform(device.platform))),
      el("p", { class: "code-label" }, lang.t("link.codeLabel")),
      el("p", { class: "code", "aria-label": String(p.code || "").split("").join(" ") }, groupCode(p.code)),
      el("p", { class: "countdown", dataset: { expires: p.code_expires_at || "" } }),
      el("p", { class: "hint code-help" }, lang.t("link.codeHelp")),
      el("p", { class: "code-never" }, lang.t("link.codeNever")),
      p.network === "same" ? null : el("p", { class: "network-badge" }, lang.t("link.networkDifferent")),
      el("dl", { class: "facts compact" },
        el("dt", {}, lang.t("link.ip")), el("dd", { class: "mono" }, p.ip || "—"),
        el("dt", {}, lang.t("link.requested")), el("dd", {}, lang.dateTime(p.created_at))));
    if (p.scanned && this.app.scan.holds(p.login_id)) {
      // Only the scan answer carries the numbers: this page scanned it, so it can show them again.
      card.append(el("div", { class: "act" },
        el("span", {}, lang.t("link.scanned")),
        el("button", {
          type: "button", class: "btn primary small", dataset: { key: "review-" + p.login_id },
          onclick: () => this.app.scan.reopen(),
        }, lang.t("link.review"))));
    } else {
      // Not scanned, or scanned where this page has no numbers to show (another phone, a reload): Decline.
      card.append(el("div", { class: "act" },
        el("span", {}, lang.t(p.scanned ? "link.scannedElsewhere" : "link.notYou")),
        el("button", {
          type: "button", class: "btn danger-outline small", dataset: { key: "decline-" + p.login_id },
          onclick: () => this.decline(p),
        }, lang.t("link.decline"))));
    }
    return card;
  }

  async decline(p) {
    const lang = this.app.lang;
    const name = (p.device && p.device.name) || "—";
    const ok = await confirmDialog(lang.t("declinePending.title", { name }), lang.t("declinePending.text"),
      lang.t("declinePending.ok"));
    if (!ok) return;
    await this.act(() => this.app.api.decline(p.login_id), { key: "declinePending.done", vars: { name } });
  }

  deviceCard(d) {
    const lang = this.app.lang;
    return el("article", { class: "card device" },
      el("div", { class: "card-head" },
        el("strong", { class: "name" }, d.name || "—"),
        el("span", { class: "badge" }, lang.platform(d.platform))),
      el("dl", { class: "facts compact" },
        el("dt", {}, lang.t("link.linkedSince")), el("dd", {}, lang.dateTime(d.created_at)),
        el("dt", {}, lang.t("link.lastSeen")),
        el("dd", { class: "ago", dataset: { time: d.last_seen_at || "" }, title: lang.dateTime(d.last_seen_at) })),
      el("button", {
        type: "button", class: "btn danger-outline small", dataset: { key: "signout-" + d.session_id },
        onclick: () => this.signOut(d),
      }, lang.t("link.signout")));
  }

  /** tick updates countdowns and "last seen" without redrawing the lists. */
  tick() {
    const lang = this.app.lang;
    const now = this.app.now();
    this.root.querySelectorAll(".countdown").forEach((n) => {
      const left = Date.parse(n.dataset.expires) - now;
      const expired = !(left > 0);
      const text = expired ? lang.t("link.codeExpired") : lang.t("link.expiresIn", { time: countdown(left) });
      if (n.textContent !== text) n.textContent = text;
      n.classList.toggle("expired", expired);
      n.classList.toggle("soon", !expired && left < SOON_MS);
      n.closest(".pending").classList.toggle("stale", expired);
    });
    this.root.querySelectorAll(".ago").forEach((n) => {
      const text = lang.ago(n.dataset.time, now);
      if (n.textContent !== text) n.textContent = text;
    });
  }

  async signOut(d) {
    const lang = this.app.lang;
    const name = d.name || "—";
    const ok = await confirmDialog(lang.t("signoutDevice.title", { name }), lang.t("signoutDevice.text"),
      lang.t("signoutDevice.ok"));
    if (!ok) return;
    await this.act(() => this.app.api.signOutDevice(d.session_id), { key: "signoutDevice.done", vars: { name } });
  }

  /** act runs one change on the server, then says how it went and refreshes. */
  async act(call, notice) {
    try {
      await call();
      this.notice = notice;
      this.app.showError(this.errorBox, null);
    } catch (err) {
      this.notice = null;
      this.app.handleError(this.errorBox, err);
    }
    this.render(true);
    if (this.running) this.refreshSoon(0);
  }
}
