/**
 * Upload links: `/uploads/<token>`, where the token carries its own claims (a random id, expiry,
 * size cap, declared type, file name, owner) and an HMAC over them. The route trusts nothing
 * that is not signed; single use is kept elsewhere (a Durable Object per link id), since a
 * token alone cannot be spent.
 */
import { z } from "zod";
import { fromBase64, toBase64Url } from "../encoding";
import { signValue, verifiedValue } from "./signing";

/** Links live ten minutes: long enough to run a curl, short enough that a leaked one soon dies. */
export const UPLOAD_TTL_SECONDS = 600;

export const UPLOAD_MIME_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif", "image/avif"] as const;
export type UploadMime = (typeof UPLOAD_MIME_TYPES)[number];

const UploadClaims = z.object({
  v: z.literal(1),
  id: z.string().regex(/^[0-9a-f]{32}$/),
  exp: z.number().int(),
  max: z.number().int().positive(),
  mime: z.enum(UPLOAD_MIME_TYPES),
  name: z.string(),
  /** Who made the link: the uploaded asset's owner. */
  owner: z.object({ id: z.string().min(1), name: z.string().optional() }),
});
export type UploadClaims = z.infer<typeof UploadClaims>;

export function uploadPath(token: string): string {
  return `/uploads/${token}`;
}

export async function createUploadToken(claims: Omit<UploadClaims, "v" | "id">, secret: string): Promise<{ token: string; id: string }> {
  const id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  const payload = toBase64Url(new TextEncoder().encode(JSON.stringify({ v: 1, id, ...claims })));
  return { token: await signValue(payload, "upload", secret), id };
}

/** The claims of a token this server signed, or undefined for anything else (forged, altered, garbled). */
export async function readUploadToken(token: string, secret: string): Promise<UploadClaims | undefined> {
  if (token.length > 4096) return undefined;
  const payload = await verifiedValue(token, "upload", secret);
  if (!payload || payload.includes(".")) return undefined;
  const bytes = fromBase64(payload);
  if (!bytes) return undefined;
  try {
    const parsed = UploadClaims.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
