/**
 * PUT `/uploads/<token>`: a client's own file in, through a link create_upload signed. The body
 * is read with a hard bound (the declared size), typed by its magic bytes, checked by the Images
 * binding and stored under its SHA-256; every refusal stores nothing and leaves the link usable
 * until it expires, and a stored upload spends it. No bearer token: the signed link is the
 * permission, given to the caller who created it. A web page of an origin the deployment allows
 * may PUT from the browser: the route answers its pre-flight, and every answer carries CORS
 * headers (the entry has already refused other origins).
 */
import { ToolError } from "../errors";
import { uploadPreflight, withUploadCors } from "./cors";
import { formatBytes, sniffImageType } from "../inputs/image-bytes";
import { viewOf } from "../schemas/asset-view";
import type { Services } from "../services";
import { readUploadToken, type UploadClaims } from "./upload-tickets";
import { readAtMost } from "../streams";

const UPLOAD_PATH = /^\/uploads\/([^/]+)$/;
/** A claim older than this (its request died mid-body) no longer blocks the link. */
const CLAIM_LEASE_MS = 120_000;

function refuse(status: number, message: string, headers: HeadersInit = {}): Response {
  return Response.json({ error: message, status }, { status, headers });
}

/** The /uploads/<token> route behind the Origin check: pre-flights answered without touching storage. */
export async function serveUploadRoute(request: Request, services: () => Services): Promise<Response> {
  if (request.method === "OPTIONS") return uploadPreflight(request);
  return withUploadCors(request, await serveUpload(request, services()));
}

async function serveUpload(request: Request, services: Services): Promise<Response> {
  const { config } = services;
  if (request.method !== "PUT") return refuse(405, "Upload links take PUT with the file as the body.", { allow: "PUT, OPTIONS" });
  const token = UPLOAD_PATH.exec(new URL(request.url).pathname)?.[1] ?? "";
  const claims = await readUploadToken(token, config.signingKey);
  if (!claims)
    return refuse(403, "This upload link is not one this server signed (forged or altered). Ask for a new one with create_upload.");
  if (claims.exp * 1000 < config.clock().getTime()) {
    return refuse(410, "This upload link has expired (links last 10 minutes). Ask for a new one with create_upload.");
  }
  const declaredLength = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declaredLength) && declaredLength > claims.max) return tooLarge(claims, declaredLength);

  const ticket = services.coordinator.get(services.coordinator.idFromName(`upload:${claims.id}`));
  const claim = await ticket.claimUpload(CLAIM_LEASE_MS);
  if (claim === "used")
    return refuse(410, "This upload link was already used: each link stores one file. Ask for a new one with create_upload.");
  if (claim === "in_progress")
    return refuse(409, "An upload through this link is in progress. Wait for it, or ask for a new link with create_upload.");
  let stored = false;
  try {
    const response = await receive(request, claims, services);
    stored = response.ok;
    return response;
  } finally {
    await ticket.finishUpload(stored);
  }
}

async function receive(request: Request, claims: UploadClaims, services: Services): Promise<Response> {
  const body = await readAtMost(request.body, claims.max);
  if (body === "too large") return tooLarge(claims);
  if (body.length === 0) return refuse(400, "The body is empty: send the file's bytes as the PUT body (curl --data-binary @file).");
  const sniffed = sniffImageType(body);
  if (!sniffed) {
    return refuse(
      415,
      `The body (${formatBytes(body.length)}) is not an image by its leading bytes: upload a PNG, JPEG, WebP, GIF or AVIF file.`,
    );
  }
  if (sniffed.mime !== claims.mime) {
    return refuse(
      415,
      `The file is ${sniffed.mime} but the link was made for ${claims.mime}: ask create_upload for a link with mime_type "${sniffed.mime}" (if it is one of PNG, JPEG, WebP, GIF or AVIF).`,
    );
  }
  let info;
  try {
    info = await services.images.info(body);
  } catch (error) {
    const why = error instanceof ToolError ? error.message : "the Images binding could not read it";
    return refuse(415, `The file is not an image the server can read: ${why}`);
  }
  const { record, created } = await services.library.put({
    bytes: body,
    kind: "image",
    mime: sniffed.mime,
    width: info.width,
    height: info.height,
    origin: { tool: "upload", parameters: { filename: claims.name } },
    // The caller who made the link owns the file, whoever sends the bytes.
    owner: claims.owner,
  });
  const asset = await viewOf(record, services);
  // Other callers who stored the same bytes are not the uploader's business (a private library).
  const shown = { ...record, owners: record.owners?.filter((o) => o.id === claims.owner.id) };
  return Response.json({ id: record.sha256, created, record: shown, asset }, { status: created ? 201 : 200 });
}

function tooLarge(claims: UploadClaims, declared?: number): Response {
  const size = declared === undefined ? `more than ${formatBytes(claims.max)}` : formatBytes(declared);
  return refuse(
    413,
    `The body is ${size}, over the ${claims.max} bytes this link was made for. Ask create_upload for a link with the file's exact size in bytes.`,
  );
}
