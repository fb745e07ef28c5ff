// The phone API of the mock server, as the phone app would call it.
// Every failure becomes an ApiError carrying the server's error code,
// message and request ID. Nothing here logs: bodies hold passwords, tokens
// and QR secrets.

/** ApiError is one failed call: the server's {"error":{...},"request_id"} or a client-side failure. */
export class ApiError extends Error {
  constructor(status, code, message, requestId, extra = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;          // HTTP status, 0 when the server was not reached
    this.code = code;              // error.code, or a client-side code
    this.requestId = requestId || "";
    this.attemptsLeft = typeof extra.attempts_left === "number" ? extra.attempts_left : null;
    this.retryAt = typeof extra.retry_at === "string" ? extra.retry_at : null;
  }
}

/** LocalError is a problem found before calling the server (an empty field). */
export class LocalError extends Error {
  constructor(key) {
    super(key);
    this.name = "LocalError";
    this.key = key;                // i18n key of the message
  }
}

/**
 * PhoneApi talks to /phone/v1. token() supplies the phone token;
 * onClock(offsetMs) learns how far the server's clock is from ours.
 */
export class PhoneApi {
  constructor({ token, onClock }) {
    this.token = token;
    this.onClock = onClock;
  }

  signIn(email, password) {
    return this.call("POST", "/phone/v1/signin", { json: { email, password }, auth: false });
  }
  link() { return this.call("GET", "/phone/v1/link"); }
  scan(payload) { return this.call("POST", "/phone/v1/qr/scan", { json: { payload } }); }
  approve(loginId, check) {
    return this.call("POST", `/phone/v1/logins/${encodeURIComponent(loginId)}/approve`, { json: { check } });
  }
  decline(loginId) { return this.call("POST", `/phone/v1/logins/${encodeURIComponent(loginId)}/decline`); }
  signOutDevice(sessionId) { return this.call("DELETE", `/phone/v1/devices/${encodeURIComponent(sessionId)}`); }
  changePassword(oldPassword, newPassword) {
    return this.call("POST", "/phone/v1/password", { json: { old: oldPassword, new: newPassword } });
  }
  decodePicture(file) {
    const form = new FormData();
    form.append("image", file, file.name || "qr");
    return this.call("POST", "/phone/v1/qr/decode", { form });
  }

  async call(method, path, { json, form, auth = true } = {}) {
    const headers = { Accept: "application/json" };
    const token = auth ? this.token() : "";
    if (token) headers.Authorization = "Bearer " + token;
    let body;
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    } else if (form) {
      body = form;
    }
    let res;
    try {
      res = await fetch(path, { method, headers, body, cache: "no-store", credentials: "same-origin", redirect: "error" });
    } catch {
      throw new ApiError(0, "network_error", "the server could not be reached", "");
    }
    this.learnClock(res);
    const requestId = res.headers.get("X-Request-ID") || "";
    let text = "";
    try {
      text = await res.text();
    } catch {
      throw new ApiError(0, "network_error", "the connection broke while reading the answer", requestId);
    }
    let data = null;
    if (text !== "") {
      try { data = JSON.parse(text); } catch { data = undefined; }
    }
    if (!res.ok) {
      const e = data && typeof data === "object" ? data.error : null;
      if (e && typeof e.code === "string") {
        throw new ApiError(res.status, e.code, String(e.message || ""), data.request_id || requestId, e);
      }
      throw new ApiError(res.status, "bad_response", `HTTP ${res.status} without an error body`, requestId);
    }
    if (data === undefined) {
      throw new ApiError(res.status, "bad_response", "the answer is not JSON", requestId);
    }
    return data;
  }

  // The Date header has one-second precision, so only larger gaps count
  // (for example a mock server whose clock a tester moved).
  learnClock(res) {
    const date = Date.parse(res.headers.get("Date") || "");
    if (Number.isNaN(date)) return;
    const offset = date - Date.now();
    this.onClock(Math.abs(offset) > 1500 ? offset : 0);
  }
}
