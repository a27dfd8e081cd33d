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

const payload = (path: string, expires: number) => encoder.encode(`${path}\n${expires}`);

/** `https://host/assets/<sha>.<ext>?exp=…&sig=…`, valid until `expires` (unix seconds). */
export async function signDownloadUrl(base: string, path: string, secret: string, expires: number): Promise<string> {
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), payload(path, expires));
  const url = new URL(path, base);
  url.searchParams.set("exp", String(expires));
  url.searchParams.set("sig", toBase64Url(new Uint8Array(signature)));
  return url.toString();
}

/**
 * A stable pseudonym for an access token: a keyed hash, so it identifies the token to OpenAI's
 * abuse monitoring (`safety_identifier`) without revealing it or letting it be guessed back.
 */
export async function tokenPseudonym(token: string, secret: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(`caller\n${token}`));
  return Array.from(new Uint8Array(mac).subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export async function checkDownloadSignature(url: URL, secret: string, nowSeconds: number): Promise<SignatureCheck> {
  const exp = url.searchParams.get("exp");
  const sig = url.searchParams.get("sig");
  if (!exp || !sig) return { ok: false, reason: "This download link is not signed. Ask the server for a fresh link (get_asset)." };
  const expires = Number(exp);
  if (!Number.isInteger(expires)) return { ok: false, reason: "This download link has a malformed expiry." };
  const signature = /^[A-Za-z0-9_-]{1,128}$/.test(sig) ? fromBase64(sig) : undefined;
  const valid =
    signature !== undefined && (await crypto.subtle.verify("HMAC", await hmacKey(secret), signature, payload(url.pathname, expires)));
  if (!valid) return { ok: false, reason: "This download link's signature is not valid. Ask the server for a fresh link (get_asset)." };
  if (expires < nowSeconds) return { ok: false, reason: "This download link has expired. Ask the server for a fresh link (get_asset)." };
  return { ok: true };
}
