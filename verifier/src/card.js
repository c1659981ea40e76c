// The card check of kiosk/card.py, step for step, so that a browser and `kiosk card verify`
// give the same verdict for the same text: kiosk/card.py's docstring is the format's spec.

import { ed25519 } from "@noble/curves/ed25519.js";
import {
  CborError,
  Simple,
  Tagged,
  concat,
  decodeFirst,
  encodeBytes,
  encodeInt,
  encodeText,
  equalBytes,
} from "./cbor.js";

export const CARD_PREFIX = "BK1:";
export const MAX_TEXT = 4296;
export const CLOCK_SKEW_SECONDS = 5 * 60;
export const KPJ_LENGTH = 11;
export const PROGRAMS = ["JKK", "JKM", "JHT", "JP", "JKP"];
const STATUS_BY_CODE = new Map([
  [1, "AKTIF"],
  [0, "NONAKTIF"],
]);
const MAX_TIME = 253402300799; // 9999-12-31T23:59:59Z
const MAX_KPJ = 10 ** KPJ_LENGTH - 1;
const COSE_SIGN1 = 18;
const EDDSA = -8;
const ALG = 1;
const PROTECTED = Uint8Array.of(0xa1, 0x01, 0x27);
const ENVELOPE_HEAD = concat([Uint8Array.of(0xd2, 0x84), encodeBytes(PROTECTED), Uint8Array.of(0xa0)]);
const TBS_HEAD = concat([Uint8Array.of(0x84), encodeText("Signature1"), encodeBytes(PROTECTED), encodeBytes(new Uint8Array())]);
const SIGNATURE_HEAD = Uint8Array.of(0x58, 0x40);
const CLAIM_KEYS = [1, 4, 6, -1, -2, -3, -4];

const B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
const B45_VALUE = new Map([...B45].map((char, index) => [char, index]));

// What Python's str.strip() takes off: str.isspace(), which is not JavaScript's trim().
const PYTHON_SPACE = /^[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

class Refused extends Error {
  constructor(reason, params = {}) {
    super(reason);
    this.reason = reason;
    this.params = params;
  }
}

/**
 * The verdict on a card's text at ``now`` (seconds since the epoch) against ``keys``
 * ([{id, publicKey: Uint8Array(32)}]): {verdict, reason, params, claims, keyId}. Never throws.
 */
export function verifyCard(text, keys, now) {
  let opened;
  try {
    opened = open(String(text), keys);
  } catch (error) {
    if (error instanceof Refused) return { verdict: "INVALID", reason: error.reason, params: error.params };
    throw error;
  }
  const { claims, keyId } = opened;
  if (claims.issuedAt > now + CLOCK_SKEW_SECONDS) {
    return { verdict: "INVALID", reason: "card.future", params: { issued: isoSeconds(claims.issuedAt) } };
  }
  if (claims.expiresAt <= now) {
    const date = isoSeconds(claims.expiresAt).slice(0, 10);
    return { verdict: "EXPIRED", reason: "card.expired", params: { date }, claims, keyId };
  }
  return { verdict: "VALID", reason: null, params: {}, claims, keyId };
}

/** As Python's datetime.isoformat() writes an aware UTC time in whole seconds. */
export function isoSeconds(seconds) {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "+00:00");
}

function open(raw, keys) {
  const text = raw.replace(PYTHON_SPACE, "");
  if (!text.startsWith(CARD_PREFIX)) throw new Refused("card.not_a_card", { prefix: CARD_PREFIX });
  if (text.length > MAX_TEXT && [...text].length > MAX_TEXT) throw new Refused("card.damaged");
  const cose = base45Decode(text.slice(CARD_PREFIX.length));
  let item;
  try {
    item = decodeFirst(cose);
  } catch (error) {
    if (error instanceof CborError) throw new Refused("card.damaged");
    throw error;
  }
  const [protectedHeader, payload, signature] = sign1Parts(item);
  if (!equalBytes(protectedHeader, PROTECTED)) {
    const header = decodeOrNull(protectedHeader);
    if (header instanceof Map && !sameNumber(lookup(header, ALG, EDDSA), EDDSA)) {
      throw new Refused("card.unsupported_algorithm");
    }
    throw new Refused("card.not_signed");
  }
  const wrapped = encodeBytes(payload);
  if (!equalBytes(concat([ENVELOPE_HEAD, wrapped, encodeBytes(signature)]), cose)) {
    throw new Refused("card.not_signed");
  }
  const message = concat([TBS_HEAD, wrapped]);
  const key = signature.length === 64 ? keys.find((k) => verifies(signature, message, k.publicKey)) : undefined;
  if (key === undefined) throw new Refused("card.bad_signature");
  const claims = parseClaims(payload);
  if (claims === null) throw new Refused("card.malformed");
  return { claims, keyId: key.id };
}

function verifies(signature, message, publicKey) {
  try {
    // zip215 false: RFC 8032's strict rules, as OpenSSL (Python's cryptography) applies them.
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

function base45Decode(text) {
  const values = [];
  for (const char of text) {
    const value = B45_VALUE.get(char);
    if (value === undefined) throw new Refused("card.damaged");
    values.push(value);
  }
  if (values.length % 3 === 1) throw new Refused("card.damaged");
  const out = [];
  for (let i = 0; i < values.length; i += 3) {
    if (values.length - i >= 3) {
      const x = values[i] + values[i + 1] * 45 + values[i + 2] * 2025;
      if (x > 0xffff) throw new Refused("card.damaged");
      out.push(x >> 8, x & 0xff);
    } else {
      const x = values[i] + values[i + 1] * 45;
      if (x > 0xff) throw new Refused("card.damaged");
      out.push(x);
    }
  }
  return Uint8Array.from(out);
}

function decodeOrNull(bytes) {
  try {
    return decodeFirst(bytes);
  } catch (error) {
    if (error instanceof CborError) return null;
    throw error;
  }
}

/** A map's value for an integer key as a Python dict finds it: 1, 1.0 and True are one key. */
function lookup(map, key, otherwise) {
  let found = otherwise;
  for (const [candidate, value] of map) if (sameNumber(candidate, key)) found = value;
  return found;
}

function sameNumber(value, number) {
  if (value instanceof Simple) return (value.value === 21 && number === 1) || (value.value === 20 && number === 0);
  if (typeof value === "bigint") return value === BigInt(number);
  return typeof value === "number" && value === number;
}

function sign1Parts(item) {
  if (!(item instanceof Tagged && item.tag === COSE_SIGN1)) throw new Refused("card.not_signed");
  const parts = item.value;
  if (!(Array.isArray(parts) && parts.length === 4)) throw new Refused("card.not_signed");
  const [protectedHeader, unprotected, payload, signature] = parts;
  const isBytes = (part) => part instanceof Uint8Array;
  if (!(isBytes(protectedHeader) && isBytes(payload) && isBytes(signature))) throw new Refused("card.not_signed");
  if (!(unprotected instanceof Map && unprotected.size === 0)) throw new Refused("card.not_signed");
  return [protectedHeader, payload, signature];
}

/** The claims, if the payload is exactly what a signer writes; null otherwise. */
function parseClaims(payload) {
  const fields = decodeOrNull(payload);
  if (!(fields instanceof Map) || fields.size !== CLAIM_KEYS.length) return null;
  const get = (key) => {
    const entries = [...fields].filter(([candidate]) => typeof candidate === "number" && candidate === key);
    return entries.length === 1 ? entries[0][1] : undefined;
  };
  const [issuer, expiresAt, issuedAt, kpj, name, status, mask] = CLAIM_KEYS.map(get);
  if (typeof issuer !== "string" || typeof name !== "string") return null;
  const numbers = [issuedAt, expiresAt, kpj, status, mask];
  if (!numbers.every((n) => typeof n === "number" && Number.isInteger(n))) return null;
  if (!(issuedAt >= 0 && issuedAt <= MAX_TIME && expiresAt >= 0 && expiresAt <= MAX_TIME)) return null;
  if (!(kpj >= 0 && kpj <= MAX_KPJ && STATUS_BY_CODE.has(status) && mask >= 0 && mask < 1 << PROGRAMS.length)) return null;
  if (!issuer || !name || expiresAt <= issuedAt) return null;
  const claims = {
    issuer,
    issuedAt,
    expiresAt,
    kpj: String(kpj).padStart(KPJ_LENGTH, "0"),
    name,
    status: STATUS_BY_CODE.get(status),
    programs: PROGRAMS.filter((_, bit) => (mask >> bit) & 1),
  };
  const written = concat([
    Uint8Array.of(0xa0 | CLAIM_KEYS.length),
    encodeInt(1), encodeText(issuer),
    encodeInt(4), encodeInt(expiresAt),
    encodeInt(6), encodeInt(issuedAt),
    encodeInt(-1), encodeInt(kpj),
    encodeInt(-2), encodeText(name),
    encodeInt(-3), encodeInt(status),
    encodeInt(-4), encodeInt(mask),
  ]);
  return equalBytes(written, payload) ? claims : null;
}
