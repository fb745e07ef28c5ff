// Linkdesk phone simulator: the screens a phone app shows to approve a
// desktop. The phone token lives only in sessionStorage (gone when the tab
// closes); nothing is logged.

import { ApiError, LocalError, PhoneApi } from "./api.js";
import { Lang, pickLanguage, renderError } from "./view.js";
import { LinkScreen } from "./link.js";
import { ScanFlow } from "./scan.js";
import { confirmDialog } from "./dialog.js";

const TOKEN_KEY = "linkdesk.phone.token";
const LANG_KEY = "linkdesk.phone.lang";
const $ = (sel) => document.querySelector(sel);

/** storage wraps Web Storage, which throws when the browser forbids it. */
function storage(kind) {
  return {
    get(key) { try { return window[kind].getItem(key); } catch { return null; } },
    set(key, v) { try { window[kind].setItem(key, v); } catch { /* memory only then */ } },
    remove(key) { try { window[kind].removeItem(key); } catch { /* nothing stored */ } },
  };
}

class PhoneApp {
  constructor() {
    this.session = storage("sessionStorage");
    this.prefs = storage("localStorage");
    this.token = this.session.get(TOKEN_KEY) || "";
    this.clockOffset = 0;
    this.lang = new Lang(pickLanguage(this.prefs.get(LANG_KEY)));
    this.api = new PhoneApi({ token: () => this.token, onClock: (o) => { this.clockOffset = o; } });
    this.screen = "";
    this.link = new LinkScreen(this);
    this.scan = new ScanFlow(this);
  }

  /** now is the server's idea of the current time, in ms. */
  now() { return Date.now() + this.clockOffset; }

  start() {
    document.querySelectorAll("[data-lang]").forEach((b) =>
      b.addEventListener("click", () => this.setLanguage(b.dataset.lang, true)));
    document.querySelectorAll("#tabs [data-screen]").forEach((b) =>
      b.addEventListener("click", () => this.show(b.dataset.screen)));
    $("#phone-signout").addEventListener("click", () => this.confirmPhoneSignOut());
    $("#signin-form").addEventListener("submit", (e) => { e.preventDefault(); this.signIn(); });
    $("#password-form").addEventListener("submit", (e) => { e.preventDefault(); this.changePassword(); });
    window.addEventListener("hashchange", () => {
      const l = pickLanguage(this.lang.code);
      if (l !== this.lang.code) this.setLanguage(l, false);
    });
    this.link.start();
    this.scan.start();
    this.setLanguage(this.lang.code, false);
    this.show(this.token ? "link" : "signin");
  }

  setLanguage(code, remember) {
    this.lang = new Lang(code);
    if (remember) this.prefs.set(LANG_KEY, this.lang.code);
    document.documentElement.lang = this.lang.code;
    document.title = this.lang.t("doc.title");
    document.querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = this.lang.t(n.dataset.i18n); });
    document.querySelectorAll("[data-i18n-label]").forEach((n) => n.setAttribute("aria-label", this.lang.t(n.dataset.i18nLabel)));
    document.querySelectorAll("[data-lang]").forEach((b) =>
      b.setAttribute("aria-pressed", String(b.dataset.lang === this.lang.code)));
    document.querySelectorAll(".error").forEach((box) => {
      if (box.errorValue) this.showError(box, box.errorValue);
    });
    this.link.render(true);
    this.scan.render();
  }

  /** show switches to a screen; only signed-in screens show the tab bar. */
  show(name) {
    if (name !== "signin" && !this.token) name = "signin";
    this.screen = name;
    document.querySelectorAll(".screen").forEach((s) => { s.hidden = s.id !== "screen-" + name; });
    $("#tabs").hidden = name === "signin";
    document.querySelectorAll("#tabs [data-screen]").forEach((b) => {
      const active = b.dataset.screen === name || (b.dataset.screen === "scan" && (name === "confirm" || name === "result"));
      if (active) b.setAttribute("aria-current", "page"); else b.removeAttribute("aria-current");
    });
    if (name === "link") this.link.resume(); else this.link.pause();
    const heading = document.querySelector(`#screen-${name} h2`);
    if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
    window.scrollTo(0, 0);
  }

  showError(box, err) {
    renderError(box, err, this.lang);
  }

  /** handleError shows err in box, or returns to sign-in when the phone token is no longer good. */
  handleError(box, err) {
    if (err instanceof ApiError && err.status === 401 && err.code !== "invalid_credentials" && err.code !== "account_locked") {
      this.endPhoneSession(err);
      return;
    }
    this.showError(box, err);
  }

  endPhoneSession(err) {
    this.token = "";
    this.session.remove(TOKEN_KEY);
    this.link.clear();
    this.scan.clear();
    this.show("signin");
    this.showError($("#screen-signin .error"), err || null);
  }

  async signIn() {
    const form = $("#signin-form");
    const box = form.querySelector(".error");
    const email = form.email.value.trim();
    const password = form.password.value;
    if (!email || !password) { this.showError(box, new LocalError("signin.missing")); return; }
    await this.busy(form, async () => {
      try {
        const res = await this.api.signIn(email, password);
        if (!res || typeof res.phone_token !== "string" || !res.phone_token) {
          throw new ApiError(200, "bad_response", "no phone_token in the answer", "");
        }
        this.token = res.phone_token;
        this.session.set(TOKEN_KEY, this.token);
        form.password.value = "";
        this.showError(box, null);
        this.show("link");
      } catch (err) {
        this.showError(box, err);
      }
    });
  }

  async changePassword() {
    const form = $("#password-form");
    const box = form.querySelector(".error");
    const done = form.querySelector(".success");
    const [oldPw, newPw, again] = ["#password-old", "#password-new", "#password-repeat"].map((s) => $(s).value);
    done.hidden = true;
    let problem = "";
    if (!oldPw || !newPw || !again) problem = "password.missing";
    else if (newPw !== again) problem = "password.mismatch";
    else if (newPw === oldPw) problem = "password.same";
    if (problem) { this.showError(box, new LocalError(problem)); return; }
    await this.busy(form, async () => {
      try {
        await this.api.changePassword(oldPw, newPw);
        form.reset();
        this.showError(box, null);
        done.hidden = false;
      } catch (err) {
        this.handleError(box, err);
      }
    });
  }

  async confirmPhoneSignOut() {
    const ok = await confirmDialog(this.lang.t("signoutPhone.title"), this.lang.t("signoutPhone.text"),
      this.lang.t("signoutPhone.ok"));
    if (ok) this.endPhoneSession(null);
  }

  /** busy disables the controls of root while work runs. */
  async busy(root, work) {
    const controls = root.querySelectorAll("button, input, textarea");
    controls.forEach((c) => { c.disabled = true; });
    root.setAttribute("aria-busy", "true");
    try {
      await work();
    } finally {
      controls.forEach((c) => { c.disabled = false; });
      root.removeAttribute("aria-busy");
    }
  }
}

new PhoneApp().start();
