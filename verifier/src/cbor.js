// The CBOR a card's reader meets (RFC 8949): one item decoded from the front of the bytes,
// as the Python verifier's cbor2 does, and the few encodings a signer writes.
//
// A card has one encoding, and the verifier re-encodes what it read and compares bytes,
// so this decoder only has to tell well-formed from broken. Plain CBOR, as kiosk/card.py
// reads it too: a tag stays a tag (no dates, no bignums) and no length is indefinite.

export class CborError extends Error {}

export class Tagged {
  constructor(tag, value) {
    this.tag = tag;
    this.value = value;
  }
}

export class Simple {
  constructor(value) {
    this.value = value;
  }
}

const MAX_DEPTH = 400;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The first item of ``bytes`` (what follows it is ignored); CborError when it is not CBOR. */
export function decodeFirst(bytes) {
  const reader = { bytes, at: 0 };
  return readItem(reader, 0);
}

function take(reader, count) {
  if (reader.at + count > reader.bytes.length) throw new CborError("truncated");
  const part = reader.bytes.subarray(reader.at, reader.at + count);
  reader.at += count;
  return part;
}

function readArgument(reader, info) {
  if (info < 24) return info;
  if (info > 27) throw new CborError("reserved additional information");
  const width = 1 << (info - 24);
  let value = 0n;
  for (const byte of take(reader, width)) value = (value << 8n) | BigInt(byte);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function readItem(reader, depth) {
  if (depth > MAX_DEPTH) throw new CborError("nested too deep");
  const [head] = take(reader, 1);
  const major = head >> 5;
  const info = head & 31;
  if (info === 31) throw new CborError("an indefinite length, which no signer writes");
  if (major === 7) return readSimple(reader, info);
  const argument = readArgument(reader, info);
  switch (major) {
    case 0:
      return argument;
    case 1:
      return typeof argument === "bigint" ? -1n - argument : -1 - argument;
    case 2:
      return take(reader, length(argument)).slice();
    case 3:
      return text(take(reader, length(argument)));
    case 4: {
      const items = [];
      for (let i = 0; i < length(argument); i++) items.push(value(reader, depth));
      return items;
    }
    case 5: {
      const map = new Map();
      for (let i = 0; i < length(argument); i++) map.set(value(reader, depth), value(reader, depth));
      return map;
    }
    default:
      return new Tagged(argument, value(reader, depth));
  }
}

function value(reader, depth) {
  return readItem(reader, depth + 1);
}

function length(argument) {
  if (typeof argument === "bigint") throw new CborError("longer than any card");
  return argument;
}

function text(bytes) {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new CborError("text that is not UTF-8");
  }
}

function readSimple(reader, info) {
  if (info < 24) return new Simple(info);
  if (info === 24) {
    const [code] = take(reader, 1);
    if (code < 32) throw new CborError("a simple value in two bytes below 32");
    return new Simple(code);
  }
  if (info > 27) throw new CborError("reserved additional information");
  const view = new DataView(take(reader, 1 << (info - 24)).slice().buffer);
  if (info === 25) return halfFloat(view.getUint16(0));
  return info === 26 ? view.getFloat32(0) : view.getFloat64(0);
}

function halfFloat(bits) {
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** The bytes of ``parts`` one after the other. */
export function concat(parts) {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The shortest head for major type ``major`` and a non-negative integer ``n``. */
export function head(major, n) {
  const top = major << 5;
  if (n < 24) return Uint8Array.of(top | n);
  if (n < 0x100) return Uint8Array.of(top | 24, n);
  if (n < 0x10000) return Uint8Array.of(top | 25, n >> 8, n & 0xff);
  if (n < 0x100000000) return Uint8Array.of(top | 26, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  const out = new Uint8Array(9);
  out[0] = top | 27;
  new DataView(out.buffer).setBigUint64(1, BigInt(n));
  return out;
}

export function encodeBytes(bytes) {
  return concat([head(2, bytes.length), bytes]);
}

const utf8Encoder = new TextEncoder();

export function encodeText(string) {
  const bytes = utf8Encoder.encode(string);
  return concat([head(3, bytes.length), bytes]);
}

/** A CBOR integer (major type 0 or 1) for a safe integer. */
export function encodeInt(n) {
  return n >= 0 ? head(0, n) : head(1, -1 - n);
}

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
