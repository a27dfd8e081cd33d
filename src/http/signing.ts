import { fromBase64, toBase64Url } from "../encoding";

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

/** HMAC keys are imported once per isolate per secret. */
function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, key);
  }
  return key;
}

const HMAC_BYTES = 32;

/** Unbound links sign path and expiry; a link bound to an owner (`for`) signs that too, so it cannot be stripped or swapped. */
const payload = (path: string, expires: number, boundTo?: string) =>
  encoder.encode(boundTo === undefined ? `${path}\n${expires}` : `${path}\n${expires}\n${boundTo}`);

/** Links minted for an admin in a private library: valid whoever owns the asset. */
export const ANY_OWNER = "*";
const BOUND_TO = /^(\*|[0-9a-f]{16})$/;

/**
 * `https://host/assets/<sha>.<ext>?exp=…&sig=…`, valid until `expires` (unix seconds);
 * with `boundTo` (an owner tag, or ANY_OWNER) also `for=…`: the download then needs that
 * owner to still own the asset (private library).
 */
export async function signDownloadUrl(base: string, path: string, secret: string, expires: number, boundTo?: string): Promise<string> {
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), payload(path, expires, boundTo));
  const url = new URL(path, base);
  url.searchParams.set("exp", String(expires));
  if (boundTo !== undefined) url.searchParams.set("for", boundTo);
  url.searchParams.set("sig", toBase64Url(new Uint8Array(signature)));
  return url.toString();
}

/**
 * A short keyed tag of an owner's pseudonym for download links: links are shared and
 * pasted, so they name the owner without revealing its pseudonym (OpenAI's safety_identifier).
 */
export async function ownerTag(ownerId: string, secret: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(`owner\n${ownerId}`));
  return Array.from(new Uint8Array(mac).subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A stable pseudonym for an access token: a keyed hash, so it identifies the token to OpenAI's
 * abuse monitoring (`safety_identifier`) without revealing it or letting it be guessed back.
 */
export async function tokenPseudonym(token: string, secret: string): Promise<string> {
  return keyedPseudonym(`caller\n${token}`, secret);
}

/** 32 hex characters of HMAC-SHA-256 over `input`: stable per signing key, not reversible. */
export async function keyedPseudonym(input: string, secret: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(input));
  return Array.from(new Uint8Array(mac).subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `expires`: when the link stops working (unix seconds), which bounds how long its answer may be cached. */
export type SignatureCheck = { ok: true; expires: number; boundTo?: string } | { ok: false; reason: string };

/**
 * Checks a download link's expiry and HMAC. Any `sig` (empty, kilobytes long, any alphabet,
 * an impossible base64 length) is an answer, never an exception: a refusal with its reason.
 */
export async function checkDownloadSignature(url: URL, secret: string, nowSeconds: number): Promise<SignatureCheck> {
  const exp = url.searchParams.get("exp");
  const sig = url.searchParams.get("sig");
  if (!exp || !sig) return { ok: false, reason: "This download link is not signed. Ask the server for a fresh link (get_asset)." };
  // Decimal unix seconds only: Number() would also take "0x10", "1e3" or " 12 ".
  if (!/^\d{1,12}$/.test(exp)) return { ok: false, reason: "This download link has a malformed expiry." };
  const expires = Number(exp);
  const bound = url.searchParams.get("for");
  if (bound !== null && !BOUND_TO.test(bound))
    return { ok: false, reason: "This download link's signature is not valid. Ask the server for a fresh link (get_asset)." };
  const boundTo = bound ?? undefined;
  const signature = /^[A-Za-z0-9_-]{1,128}$/.test(sig) ? fromBase64(sig) : undefined;
  // An HMAC-SHA-256 is 32 bytes; anything else is refused before WebCrypto sees it.
  const valid =
    signature?.byteLength === HMAC_BYTES &&
    (await crypto.subtle.verify("HMAC", await hmacKey(secret), signature, payload(url.pathname, expires, boundTo)));
  if (!valid) return { ok: false, reason: "This download link's signature is not valid. Ask the server for a fresh link (get_asset)." };
  if (expires < nowSeconds) return { ok: false, reason: "This download link has expired. Ask the server for a fresh link (get_asset)." };
  return boundTo === undefined ? { ok: true, expires } : { ok: true, expires, boundTo };
}

/** `value.signature` (base64url HMAC-SHA-256 under `purpose`), for cookies the server reads back. */
export async function signValue(value: string, purpose: string, secret: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(`${purpose}\n${value}`));
  return `${value}.${toBase64Url(new Uint8Array(mac))}`;
}

/** The value of a `signValue` result when its signature holds; undefined for anything else. */
export async function verifiedValue(signed: string, purpose: string, secret: string): Promise<string | undefined> {
  const dot = signed.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const value = signed.slice(0, dot);
  const sig = signed.slice(dot + 1);
  const signature = /^[A-Za-z0-9_-]{1,128}$/.test(sig) ? fromBase64(sig) : undefined;
  if (signature?.byteLength !== HMAC_BYTES) return undefined;
  const valid = await crypto.subtle.verify("HMAC", await hmacKey(secret), signature, encoder.encode(`${purpose}\n${value}`));
  return valid ? value : undefined;
}
