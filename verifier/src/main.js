// The verifier page: a card comes in by camera, photo, pasted text or the URL's fragment,
// and the verdict fills the screen. Nothing leaves the device: the page's CSP forbids it.

import jsQR from "jsqr";
import { CARD_PREFIX, verifyCard } from "./card.js";

const config = JSON.parse(document.getElementById("verifier-config").textContent);
const keys = config.keys.map(({ id, key }) => ({ id, publicKey: fromBase64(key) }));
const LANGS = ["id", "en"];
const SCAN_EVERY_MS = 120;
const SCAN_WIDTH = 720;
const PHOTO_WIDTHS = [1600, 1000, 600];

const asked = new URLSearchParams(location.search).get("lang");
let lang = LANGS.includes(asked) ? asked : "id";
let shown = null; // {text, result, checkedAt}
let camera = null; // {stream, timer}

const $ = (id) => document.getElementById(id);

function fromBase64(text) {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

/** A sentence of the catalogue in the page's language, its {params} filled in. */
function t(key, params = {}) {
  const text = config.messages[lang][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

function formatMoment(seconds, withTime) {
  const options = { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" };
  if (withTime) Object.assign(options, { hour: "2-digit", minute: "2-digit", timeZone: undefined, timeZoneName: "short" });
  return new Intl.DateTimeFormat(lang === "id" ? "id-ID" : "en-GB", options).format(new Date(seconds * 1000));
}

function verify(text) {
  const checkedAt = Date.now() / 1000;
  shown = { text, checkedAt, result: verifyCard(text, keys, checkedAt) };
  render();
  // A screen reader reads the new verdict; the page stays where it is, header in view.
  $("result").focus({ preventScroll: true });
}

function render() {
  document.documentElement.lang = lang;
  document.title = t("verifier.title");
  for (const element of document.querySelectorAll("[data-text]")) element.textContent = t(element.dataset.text);
  $("language").textContent = t("verifier.other_language");
  $("language").lang = lang === "id" ? "en" : "id";
  $("camera-button").textContent = t(camera ? "verifier.camera.stop" : "verifier.camera.start");
  $("keys").textContent = t("verifier.keys", { ids: keys.map((k) => k.id).join(", ") });
  const result = $("result");
  if (shown === null) {
    delete document.documentElement.dataset.verdict;
    result.hidden = true;
    return;
  }
  const { verdict, reason, params, claims, keyId } = shown.result;
  document.documentElement.dataset.verdict = verdict.toLowerCase();
  result.hidden = false;
  result.className = `verdict ${verdict.toLowerCase()}`;
  $("verdict-word").textContent = t(`verifier.verdict.${verdict.toLowerCase()}`);
  $("verdict-sign").textContent = { VALID: "✓", INVALID: "✕", EXPIRED: "!" }[verdict];
  // The expiry as the claims below write it, where the command line writes 2026-11-21.
  const worded = reason === "card.expired" ? { date: formatMoment(claims.expiresAt, false) } : params;
  const because = reason === null ? t("verifier.valid_because") : t(reasonKey(reason), worded);
  $("verdict-reason").textContent = because;
  const clock = $("verdict-clock");
  clock.hidden = verdict !== "EXPIRED" && reason !== "card.future";
  clock.textContent = t("verifier.device_clock", { now: formatMoment(shown.checkedAt, true) });
  const rows = $("claims");
  rows.replaceChildren();
  rows.hidden = !claims;
  if (claims) {
    const status = claims.status === "AKTIF" ? "ui.status.active" : "ui.status.inactive";
    const programs = claims.programs.map((code) => `${code} (${t(`program.${code}.name`)})`);
    for (const [label, value] of [
      ["card.label.name", claims.name],
      ["card.label.kpj", claims.kpj],
      ["card.label.status", t(status)],
      ["card.label.programs", programs.join(", ") || "–"],
      ["card.label.expires", formatMoment(claims.expiresAt, false)],
      ["card.label.issued", formatMoment(claims.issuedAt, false)],
      ["verifier.label.key", keyId],
    ]) {
      const term = document.createElement("dt");
      term.textContent = t(label);
      const detail = document.createElement("dd");
      detail.textContent = value;
      rows.append(term, detail);
    }
  }
}

/** The page says "another issuer" where the command line, holding one key, says "this key". */
function reasonKey(reason) {
  return reason === "card.bad_signature" ? "verifier.bad_signature" : reason;
}

function say(key, params) {
  $("notice").textContent = key ? t(key, params) : "";
}

/** The first card among the QR codes of an image's pixels, or null. */
function scan(imageData) {
  const found = jsQR(imageData.data, imageData.width, imageData.height, { inversionAttempts: "attemptBoth" });
  return found ? found.data : null;
}

function pixels(source, width, height, maxWidth) {
  const scale = Math.min(1, maxWidth / width);
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

function found(text) {
  if (!text.trim().startsWith(CARD_PREFIX)) {
    say("verifier.not_a_card_qr", { prefix: CARD_PREFIX });
    return;
  }
  say(null);
  if (!shown || shown.text !== text) verify(text);
}

async function startCamera() {
  if (!window.isSecureContext) {
    say("verifier.camera.insecure");
    return;
  }
  if (!navigator.mediaDevices?.getUserMedia) {
    say("verifier.camera.none");
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch {
    say("verifier.camera.refused");
    return;
  }
  const video = $("video");
  video.srcObject = stream;
  video.hidden = false;
  await video.play().catch(() => {});
  camera = { stream, timer: setInterval(scanFrame, SCAN_EVERY_MS) };
  say("verifier.camera.looking");
  render();
}

function scanFrame() {
  const video = $("video");
  if (!video.videoWidth) return;
  const text = scan(pixels(video, video.videoWidth, video.videoHeight, SCAN_WIDTH));
  if (text !== null) found(text);
}

function stopCamera() {
  if (!camera) return;
  clearInterval(camera.timer);
  for (const track of camera.stream.getTracks()) track.stop();
  $("video").srcObject = null;
  $("video").hidden = true;
  camera = null;
  say(null);
  render();
}

async function readPhoto(file) {
  say(null); // what an earlier try said is not about this photo
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    say("verifier.photo.unreadable");
    return;
  }
  for (const width of PHOTO_WIDTHS) {
    const text = scan(pixels(bitmap, bitmap.width, bitmap.height, width));
    if (text !== null) {
      found(text);
      return;
    }
  }
  say("verifier.photo.no_qr");
}

function fromFragment() {
  const fragment = location.hash.slice(1);
  if (!fragment) return;
  let text;
  try {
    text = decodeURIComponent(fragment);
  } catch {
    text = fragment;
  }
  $("pasted").value = text;
  verify(text);
}

$("language").addEventListener("click", () => {
  lang = lang === "id" ? "en" : "id";
  render();
});
$("camera-button").addEventListener("click", () => (camera ? stopCamera() : startCamera()));
$("photo").addEventListener("change", (event) => {
  const [file] = event.target.files;
  if (file) readPhoto(file);
  event.target.value = "";
});
$("paste-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("pasted").value;
  say(text.trim() ? null : "verifier.paste.empty");
  if (text.trim()) verify(text);
});
$("clear").addEventListener("click", () => {
  shown = null;
  $("pasted").value = "";
  say(null);
  render();
});
window.addEventListener("hashchange", fromFragment);

/** For machines and tests: the page's own verdict on a text at a given moment. */
window.cardVerifier = { verify: (text, nowSeconds) => verifyCard(text, keys, nowSeconds) };

render();
fromFragment();
