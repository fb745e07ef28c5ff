// Scanning a desktop's QR code: a picture (decoded by the server) or the
// pasted text, then "Is this you?": the desktop, a warning when it is on
// another network, and the three numbers to pick the computer's from (or
// Decline), then the result. The payload holds a secret: it is cleared from
// the page once used.

import { LocalError } from "./api.js";
import { el } from "./view.js";

const MAX_PICTURE_BYTES = 4 << 20;
// The server reads pictures of up to about 2.6 megapixels (its memory bound);
// a QR code needs far fewer, so larger photos are scaled down here first.
const MAX_SIDE = 1600;

/** fitPicture scales a large photo down to MAX_SIDE; anything it cannot read goes as it is. */
async function fitPicture(file) {
  if (typeof createImageBitmap !== "function") return file;
  let bmp;
  try { bmp = await createImageBitmap(file); } catch { return file; } // the server says what is wrong with it
  const scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
  if (scale === 1) { bmp.close(); return file; }
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bmp.width * scale));
  canvas.height = Math.max(1, Math.round(bmp.height * scale));
  canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
  bmp.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
  return blob || file;
}

export class ScanFlow {
  constructor(app) {
    this.app = app;
    this.pending = null;    // ScanResult being confirmed
    this.result = null;     // {outcome: "approved"|"declined"|"wrongCheck", name} once answered
  }

  get scanError() { return document.querySelector("#screen-scan .error"); }
  get confirmError() { return document.querySelector("#screen-confirm .error"); }

  start() {
    const file = document.getElementById("scan-file");
    file.addEventListener("change", () => {
      const picked = file.files && file.files[0];
      file.value = "";
      if (picked) this.fromPicture(picked);
    });
    document.getElementById("scan-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.fromText();
    });
    document.getElementById("confirm-decline").addEventListener("click", () => this.answer(null));
    document.getElementById("result-back").addEventListener("click", () => this.app.show("link"));
  }

  clear() {
    this.pending = null;
    this.result = null;
    document.getElementById("scan-payload").value = "";
    this.render();
  }

  async fromPicture(file) {
    await this.working(async () => {
      const picture = await fitPicture(file);
      if (picture.size > MAX_PICTURE_BYTES) throw new LocalError("scan.tooLarge");
      const { payload } = await this.app.api.decodePicture(picture);
      await this.scan(String(payload || ""));
    });
  }

  async fromText() {
    const box = document.getElementById("scan-payload");
    const payload = box.value.trim();
    if (!payload) {
      this.app.showError(this.scanError, new LocalError("scan.empty"));
      return;
    }
    await this.working(async () => {
      await this.scan(payload);
      box.value = "";
    });
  }

  async scan(payload) {
    const res = await this.app.api.scan(payload);
    this.review(res);
  }

  /** review shows "Is this you?" for a scan answer: who asks, from which network, and the numbers. */
  review(res) {
    const choices = Array.isArray(res.check_choices) ? res.check_choices.map(String) : [];
    this.pending = {
      login_id: String(res.login_id || ""),
      device: res.device || {},
      ip: res.ip || "",
      network: res.network === "same" ? "same" : "different", // anything unexpected warns
      choices,
      created_at: res.created_at || "",
    };
    this.result = null;
    this.app.showError(this.confirmError, null);
    this.render();
    this.app.show("confirm");
    // On another network the safe answer is the one a stray Enter gives.
    if (this.pending.network === "different") document.getElementById("confirm-decline").focus();
  }

  /** holds reports whether this page can still confirm loginId (it has its numbers). */
  holds(loginId) { return Boolean(this.pending && this.pending.login_id === loginId); }

  /** reopen shows the numbers of the scan this page made, again. */
  reopen() { if (this.pending) this.app.show("confirm"); }

  /** answer approves with the picked number, or declines when check is null. */
  async answer(check) {
    if (!this.pending) return;
    const buttons = document.querySelectorAll("#screen-confirm button");
    buttons.forEach((b) => { b.disabled = true; });
    const name = this.pending.device.name || "—";
    try {
      const id = this.pending.login_id;
      if (check !== null) await this.app.api.approve(id, check); else await this.app.api.decline(id);
      this.finish(check !== null ? "approved" : "declined", name);
    } catch (err) {
      if (err && err.code === "wrong_check") this.finish("wrongCheck", name);
      else this.app.handleError(this.confirmError, err);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  finish(outcome, name) {
    this.result = { outcome, name };
    this.pending = null;
    this.render();
    this.app.show("result");
  }

  /** working shows progress on the scan screen and reports failures there. */
  async working(work) {
    const busy = document.getElementById("scan-busy");
    const root = document.querySelector("#screen-scan .card");
    this.app.showError(this.scanError, null);
    busy.hidden = false;
    try {
      await this.app.busy(root, work);
    } catch (err) {
      this.app.handleError(this.scanError, err);
    } finally {
      busy.hidden = true;
    }
  }

  render() {
    const lang = this.app.lang;
    const facts = document.getElementById("confirm-facts");
    const p = this.pending;
    const different = Boolean(p && p.network === "different");
    if (p) {
      facts.replaceChildren(
        el("dt", {}, lang.t("confirm.device")), el("dd", { class: "name" }, p.device.name || "—"),
        el("dt", {}, lang.t("confirm.platform")), el("dd", {}, lang.platform(p.device.platform)),
        el("dt", {}, lang.t("confirm.ip")),
        el("dd", {}, el("span", { class: "mono" }, p.ip || "—"),
          different ? null : el("span", { class: "network-same" }, lang.t("network.same"))),
        el("dt", {}, lang.t("confirm.time")), el("dd", {}, lang.dateTime(p.created_at)));
    } else {
      facts.replaceChildren();
    }
    document.getElementById("confirm-network").hidden = !different;
    // Each number is an answer: tapping it approves with that number.
    document.getElementById("check-choices").replaceChildren(...(p ? p.choices : []).map((n) => el("button", {
      type: "button", class: "btn check-number " + (different ? "secondary" : "primary"),
      "aria-label": lang.t("check.pickLabel", { n }), onclick: () => this.answer(n),
    }, n)));
    // Decline is the default on another network: solid, and focused by review().
    document.getElementById("confirm-decline").className = "btn wide " + (different ? "decline" : "decline-quiet");

    const r = this.result;
    const icon = document.getElementById("result-icon");
    icon.textContent = r ? (r.outcome === "approved" ? "✓" : "✕") : "";
    icon.className = "result-icon " + (r && r.outcome === "approved" ? "ok" : "no");
    document.getElementById("result-title").textContent = r ? lang.t(`result.${r.outcome}Title`) : "";
    document.getElementById("result-text").textContent = r ? lang.t(`result.${r.outcome}Text`, { name: r.name }) : "";
  }
}
