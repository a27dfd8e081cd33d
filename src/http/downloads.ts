import type { Config } from "../config";
import { SHA256_PATTERN } from "../store/hash";
import type { AssetLibrary } from "../store/asset-library";
import type { AssetRecord } from "../store/asset-record";
import type { Viewer } from "../store/owners";
import { ANY_OWNER, checkDownloadSignature, ownerTag, signDownloadUrl } from "./signing";
import { parseRange } from "./range";

const DOWNLOAD_PATH = /^\/assets\/([^/.]+)\.([a-z0-9]+)$/;

export function downloadPath(sha256: string, ext: string): string {
  return `/assets/${sha256}.${ext}`;
}

/**
 * A signed, expiring link. In a private library it is minted for `viewer`: it works only
 * while that caller still owns the asset (an admin's link works whoever owns it). In a team
 * library everyone may read everything, so links are not bound.
 */
export async function signedDownloadUrl(
  base: string,
  sha256: string,
  ext: string,
  config: Config,
  viewer?: Viewer,
): Promise<{ url: string; expiresAt: string }> {
  const expires = Math.floor(config.clock().getTime() / 1000) + config.signedUrlTtlSeconds;
  const boundTo =
    config.library === "private" && viewer ? (viewer.admin ? ANY_OWNER : await ownerTag(viewer.owner.id, config.signingKey)) : undefined;
  const url = await signDownloadUrl(base, downloadPath(sha256, ext), config.signingKey, expires, boundTo);
  return { url, expiresAt: new Date(expires * 1000).toISOString() };
}

function plain(status: number, message: string, headers: HeadersInit = {}): Response {
  return new Response(`${message}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers } });
}

/** Whether an `If-None-Match` list names this ETag; weak comparison (`W/` ignored), and `*` matches any stored asset. */
function noneMatchHits(header: string, etag: string): boolean {
  return header.split(",").some((tag) => {
    const trimmed = tag.trim();
    return trimmed === "*" || trimmed.replace(/^W\//, "") === etag;
  });
}

/**
 * Whether a `Range` may be honoured under `If-Range`: only when it names the current ETag,
 * strongly (RFC 9110 13.1.5). A weak tag or a date (we send no Last-Modified) never matches,
 * and the client then gets the whole file.
 */
function rangeStillValid(ifRange: string | null, etag: string): boolean {
  return ifRange === null || ifRange.trim() === etag;
}

/**
 * Private library: the link must have been minted for a caller who still owns the asset
 * (or for an admin). An unbound link (minted in a team library) or one whose owner has
 * since deleted its claim answers like a missing asset.
 */
async function boundOwnerStillOwns(record: AssetRecord, boundTo: string | undefined, config: Config): Promise<boolean> {
  if (boundTo === undefined) return false;
  if (boundTo === ANY_OWNER) return true;
  const tags = await Promise.all((record.owners ?? []).map((owner) => ownerTag(owner.id, config.signingKey)));
  return tags.includes(boundTo);
}

/**
 * GET/HEAD `/assets/<sha256>.<ext>?exp=…&sig=…`: a signed, expiring download from R2. The
 * bytes never change (the name is their hash), but the link expires, so caches hold it
 * privately and no longer than the link lives.
 */
export async function serveDownload(request: Request, config: Config, library: AssetLibrary): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD")
    return plain(405, "Only GET and HEAD are allowed here.", { allow: "GET, HEAD" });
  const url = new URL(request.url);
  const match = DOWNLOAD_PATH.exec(url.pathname);
  const sha256 = match?.[1] ?? "";
  if (!match || !SHA256_PATTERN.test(sha256)) {
    return plain(404, "Not an asset path: expected /assets/<64 lowercase hex sha256>.<ext>.");
  }
  const nowSeconds = Math.floor(config.clock().getTime() / 1000);
  const signature = await checkDownloadSignature(url, config.signingKey, nowSeconds);
  if (!signature.ok) return plain(403, signature.reason);

  const record = await library.getStored(sha256);
  const readable = record && (config.library === "team" || (await boundOwnerStillOwns(record, signature.boundTo, config)));
  if (!record || !readable || record.ext !== match[2]) return plain(404, `No asset ${sha256}.${match[2]} is stored here.`);

  const etag = `"${sha256}"`;
  const secondsLeft = Math.max(0, signature.expires - nowSeconds);
  const headers = new Headers({
    "content-type": record.mime,
    etag,
    "cache-control": `private, max-age=${secondsLeft}, immutable`,
    "accept-ranges": "bytes",
    "x-content-type-options": "nosniff",
    "content-disposition": `inline; filename="${sha256}.${record.ext}"`,
  });
  const ifNoneMatch = request.headers.get("if-none-match");
  if (ifNoneMatch !== null && noneMatchHits(ifNoneMatch, etag)) return new Response(null, { status: 304, headers });

  const range = rangeStillValid(request.headers.get("if-range"), etag) ? parseRange(request.headers.get("range"), record.bytes) : undefined;
  if (range === "unsatisfiable") return plain(416, "Requested range is outside the asset.", { "content-range": `bytes */${record.bytes}` });
  const object = await library.open(record, range ? { range } : undefined);
  if (!object || !("body" in object)) return plain(404, `Asset ${sha256} has a record but its blob is missing; run verify_asset.`);

  if (range) {
    headers.set("content-range", `bytes ${range.offset}-${range.offset + range.length - 1}/${record.bytes}`);
    headers.set("content-length", String(range.length));
  } else {
    headers.set("content-length", String(record.bytes));
  }
  return new Response(request.method === "HEAD" ? null : object.body, { status: range ? 206 : 200, headers });
}
