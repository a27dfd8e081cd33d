/** SHA-256 of bytes as lowercase hex: the identity of every asset. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // Our bytes never live in a SharedArrayBuffer; the cast only narrows the buffer type.
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return toHex(new Uint8Array(digest));
}

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/**
 * JSON with object keys sorted at every depth and `undefined` members dropped,
 * so two requests that mean the same thing hash the same.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object" && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = sortKeys(member);
    }
    return out;
  }
  return value;
}

/** Hash of a request: operation name plus everything that decides its result. */
export async function requestHash(operation: string, params: unknown): Promise<string> {
  return sha256Hex(new TextEncoder().encode(canonicalJson({ operation, params })));
}
