/**
 * create_upload and PUT /uploads/<token> inside workerd: the Worker's own fetch handler with real
 * Durable Objects (single use), R2, KV and the Images binding. Every refusal is checked for its
 * status, its exact message and that nothing was stored.
 */
import { env } from "cloudflare:workers";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { beforeAll, describe, expect, it } from "vitest";
import { createUploadToken, readUploadToken, UPLOAD_TTL_SECONDS } from "../../src/http/upload-tickets";
import { tokenPseudonym } from "../../src/http/signing";
import { sha256Hex } from "../../src/store/hash";
import { readConfig } from "../../src/config";
import { testServices } from "../support/assets";
import { call, connect, SECOND_TOKEN, structured, textOf, TOKEN, worker } from "../support/mcp";
import { encodePng, gradientPng } from "../support/png";
import { workerWith } from "../support/worker-with";

type Upload = { url: string; method: "PUT"; expires_at: string; max_bytes: number; content_type: string; curl: string };
type Stored = {
  id: string;
  created: boolean;
  record: { sha256: string; mime: string; width: number; height: number; origin: Record<string, unknown>; owners?: Array<{ id: string }> };
  asset: { id: string; downloadUrl: string };
};

const SIGNING_KEY = "test-signing-key-0123456789abcdef"; // vitest.config.ts

let client: Client;
beforeAll(async () => {
  client = await connect();
});

async function link(args: { filename?: string; mime_type?: string; bytes: number }, as: Client = client): Promise<Upload> {
  const result = await call(as, "create_upload", { filename: "sprite.png", mime_type: "image/png", ...args });
  return structured<{ upload: Upload }>(result).upload;
}

function put(url: string, body: BodyInit | null, headers: Record<string, string> = { "content-type": "image/png" }) {
  return worker(url, { method: "PUT", body, headers });
}

async function refusal(response: Response): Promise<{ status: number; error: string }> {
  const body = (await response.json()) as { error: string };
  return { status: response.status, error: body.error };
}

async function assetCount(): Promise<number> {
  let n = 0;
  for await (const _ of testServices().index.all()) n++;
  return n;
}

/** A distinct PNG per call, so an upload is never the bytes an earlier test stored. */
let seed = 0;
function freshPng(width = 24, height = 16): Promise<Uint8Array> {
  const salt = ++seed;
  return encodePng({ width, height, alpha: true, rgba: (x, y) => [(x * 9 + salt) & 0xff, (y * 13 + salt * 7) & 0xff, salt & 0xff, 255] });
}

describe("create_upload", () => {
  it("returns a signed PUT link valid for 10 minutes with a ready curl command", async () => {
    const now = readConfig(env).clock().getTime();
    const upload = await link({ filename: "my 'hero' sprite.png", bytes: 1234 });
    expect(upload).toMatchObject({ method: "PUT", max_bytes: 1234, content_type: "image/png" });
    expect(upload.url).toMatch(/^http:\/\/localhost\/uploads\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const expires = Date.parse(upload.expires_at);
    expect(expires - now).toBeGreaterThan((UPLOAD_TTL_SECONDS - 5) * 1000);
    expect(expires - now).toBeLessThanOrEqual(UPLOAD_TTL_SECONDS * 1000);
    expect(upload.curl).toBe(
      `curl --fail-with-body -X PUT -H 'Content-Type: image/png' --data-binary @'my '\\''hero'\\'' sprite.png' '${upload.url}'`,
    );
  });

  it.each([
    [{ bytes: 0 }, "Invalid arguments for create_upload: bytes: the file's size must be at least 1 byte. Fix it and call again."],
    [{ bytes: 1.5 }, "Invalid arguments for create_upload: bytes: must be an int, not number 1.5. Fix it and call again."],
    [
      { bytes: 20 * 1024 * 1024 + 1 },
      "bytes: 20971521 is over the upload limit of 20971520 bytes (MAX_UPLOAD_BYTES): downscale or compress the file first.",
    ],
    [
      { bytes: 10, filename: " " },
      "Invalid arguments for create_upload: filename: give the file's name, e.g. sprite.png. Fix it and call again.",
    ],
    [
      { bytes: 10, mime_type: "image/bmp" },
      'Invalid arguments for create_upload: mime_type: must be one of "image/png", "image/jpeg", "image/webp", "image/gif", "image/avif". Fix it and call again.',
    ],
  ])("refuses %j", async (args, message) => {
    const result = await call(client, "create_upload", { filename: "a.png", mime_type: "image/png", ...args });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(message);
  });
});

describe("PUT /uploads/<token>", () => {
  it("stores the file under its SHA-256 with its owner, and the id works in other tools", async () => {
    const png = await freshPng();
    const upload = await link({ bytes: png.length, filename: "hero.png" });
    const response = await put(upload.url, png);
    expect(response.status).toBe(201);
    const stored = (await response.json()) as Stored;
    expect(stored.id).toBe(await sha256Hex(png));
    expect(stored.created).toBe(true);
    expect(stored.record).toMatchObject({
      sha256: stored.id,
      mime: "image/png",
      width: 24,
      height: 16,
      origin: { tool: "upload", parameters: { filename: "hero.png" } },
      owners: [{ id: await tokenPseudonym(TOKEN, SIGNING_KEY) }],
    });
    const download = await worker(stored.asset.downloadUrl);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(png);
    const info = structured(await call(client, "image_info", { image: stored.id }));
    expect(info).toMatchObject({ stored: true, assetId: stored.id, width: 24, height: 16 });
    const processed = await call(client, "process_image", { image: stored.id, operations: [{ op: "rotate", degrees: 90 }] });
    expect(processed.isError).toBeFalsy();
  });

  it("records the caller who made the link as owner", async () => {
    const other = await connect({ token: SECOND_TOKEN });
    const png = await freshPng();
    const upload = await link({ bytes: png.length }, other);
    const stored = (await (await put(upload.url, png)).json()) as Stored;
    expect(stored.record.owners).toEqual([{ id: await tokenPseudonym(SECOND_TOKEN, SIGNING_KEY) }]);
  });

  it("is single use: a second PUT gets 410", async () => {
    const png = await freshPng();
    const upload = await link({ bytes: png.length });
    expect((await put(upload.url, png)).status).toBe(201);
    expect(await refusal(await put(upload.url, png))).toEqual({
      status: 410,
      error: "This upload link was already used: each link stores one file. Ask for a new one with create_upload.",
    });
  });

  it("stays single use under concurrency: one of two simultaneous PUTs stores", async () => {
    const png = await freshPng(200, 200);
    const upload = await link({ bytes: png.length });
    const statuses = (await Promise.all([put(upload.url, png), put(upload.url, png), put(upload.url, png)])).map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 201).every((s) => s === 409 || s === 410)).toBe(true);
  });

  it("answers 200 (not created) for bytes already stored, adding the new owner and showing only them", async () => {
    const png = await freshPng();
    await put((await link({ bytes: png.length })).url, png);
    const other = await connect({ token: SECOND_TOKEN });
    const again = await put((await link({ bytes: png.length }, other)).url, png);
    expect(again.status).toBe(200);
    const stored = (await again.json()) as Stored;
    expect(stored.created).toBe(false);
    const second = await tokenPseudonym(SECOND_TOKEN, SIGNING_KEY);
    expect(stored.record.owners).toEqual([{ id: second }]);
    const record = await testServices().index.get(stored.id);
    expect(record?.owners?.map((o) => o.id).sort()).toEqual([await tokenPseudonym(TOKEN, SIGNING_KEY), second].sort());
  });

  it("refuses forged and altered links with 403", async () => {
    const upload = await link({ bytes: 100 });
    const [payload, signature] = new URL(upload.url).pathname.slice("/uploads/".length).split(".");
    const message = "This upload link is not one this server signed (forged or altered). Ask for a new one with create_upload.";
    const forged = await createUploadToken(
      { exp: 9_999_999_999, max: 100, mime: "image/png", name: "x.png", owner: { id: "someone" } },
      "another-key-0123456789abcdef0123456789",
    );
    for (const token of [
      `${payload}.${"A".repeat(43)}`,
      `${payload}x.${signature}`,
      "garbage",
      forged.token,
      `${payload}.${signature}.extra`,
    ]) {
      expect(await refusal(await put(`http://localhost/uploads/${token}`, await freshPng()))).toEqual({ status: 403, error: message });
    }
  });

  it("refuses an expired link with 410", async () => {
    const past = Math.floor(readConfig(env).clock().getTime() / 1000) - 1;
    const { token } = await createUploadToken(
      { exp: past, max: 1000, mime: "image/png", name: "old.png", owner: { id: "someone" } },
      SIGNING_KEY,
    );
    expect(await refusal(await put(`http://localhost/uploads/${token}`, await freshPng()))).toEqual({
      status: 410,
      error: "This upload link has expired (links last 10 minutes). Ask for a new one with create_upload.",
    });
  });

  it("refuses a body over the declared size with 413, by Content-Length or while streaming, and the link stays usable", async () => {
    const png = await freshPng();
    const upload = await link({ bytes: png.length - 1 });
    const before = await assetCount();
    expect(await refusal(await put(upload.url, png))).toEqual({
      status: 413,
      error: `The body is ${png.length} bytes, over the ${png.length - 1} bytes this link was made for. Ask create_upload for a link with the file's exact size in bytes.`,
    });
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(png.subarray(0, 100));
        controller.enqueue(png.subarray(100));
        controller.close();
      },
    });
    const response = await worker(upload.url, {
      method: "PUT",
      body: streamed,
      headers: { "content-type": "image/png" },
      duplex: "half",
    } as RequestInit);
    expect(await refusal(response)).toEqual({
      status: 413,
      error: `The body is more than ${png.length - 1} bytes, over the ${png.length - 1} bytes this link was made for. Ask create_upload for a link with the file's exact size in bytes.`,
    });
    expect(await assetCount()).toBe(before);
    const smaller = await freshPng(10, 10);
    expect((await put(upload.url, smaller)).status).toBe(201);
  });

  it.each([
    [
      "text",
      new TextEncoder().encode("just some text, not an image"),
      415,
      "The body (28 bytes) is not an image by its leading bytes: upload a PNG, JPEG, WebP, GIF or AVIF file.",
    ],
    ["empty", new Uint8Array(0), 400, "The body is empty: send the file's bytes as the PUT body (curl --data-binary @file)."],
    [
      "corrupt PNG",
      Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8),
      415,
      "The file is not an image the server can read: the 16 bytes given are not an image the Images binding can read (leading bytes 89 50 4e 47 0d 0a 1a 0a; binding says: Input buffer has corrupt header:). Pass a PNG, JPEG, WebP, GIF or AVIF file.",
    ],
  ])("refuses a %s body, storing nothing", async (_, body, status, error) => {
    const upload = await link({ bytes: 1000 });
    const before = await assetCount();
    expect(await refusal(await put(upload.url, body))).toEqual({ status, error });
    expect(await assetCount()).toBe(before);
  });

  it("refuses a file of another type than declared with 415", async () => {
    const png = await gradientPng(8, 8);
    const upload = await link({ bytes: 1000, mime_type: "image/jpeg", filename: "photo.jpg" });
    expect(await refusal(await put(upload.url, png))).toEqual({
      status: 415,
      error:
        'The file is image/png but the link was made for image/jpeg: ask create_upload for a link with mime_type "image/png" (if it is one of PNG, JPEG, WebP, GIF or AVIF).',
    });
  });

  it("takes only PUT", async () => {
    const upload = await link({ bytes: 10 });
    const response = await worker(upload.url);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("PUT, OPTIONS");
  });
});

describe("PUT /uploads/<token> from a browser page on another origin", () => {
  /** Any localhost origin may call a server that is not deployed (DEPLOY_ENV test here). */
  const PAGE = "http://localhost:5173";
  const preflight = (url: string, origin: string, call: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> = worker) =>
    call(url, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "PUT", "access-control-request-headers": "content-type" },
    });
  const putFrom = (origin: string, url: string, body: BodyInit | null, call = worker) =>
    call(url, { method: "PUT", body, headers: { origin, "content-type": "image/png" } });

  it("answers the pre-flight with PUT, Content-Type and Content-Length, no credentials, and stores or spends nothing", async () => {
    const png = await freshPng();
    const upload = await link({ bytes: png.length });
    const before = await assetCount();
    const response = await preflight(upload.url, PAGE);
    expect(response.status).toBe(204);
    expect(Object.fromEntries(response.headers)).toEqual({
      "access-control-allow-origin": PAGE,
      "access-control-allow-methods": "PUT, OPTIONS",
      "access-control-allow-headers": "Content-Type, Content-Length",
      "access-control-max-age": "86400",
      vary: "Origin",
    });
    expect(await assetCount()).toBe(before);
    const stored = await putFrom(PAGE, upload.url, png);
    expect(stored.status).toBe(201);
    expect(stored.headers.get("access-control-allow-origin")).toBe(PAGE);
    expect(stored.headers.get("access-control-allow-credentials")).toBeNull();
    expect(stored.headers.get("vary")).toBe("Origin");
    expect(((await stored.json()) as Stored).id).toBe(await sha256Hex(png));
  });

  it("lets an origin named in ALLOWED_ORIGINS upload, and the id works in other tools", async () => {
    const app = workerWith({ ALLOWED_ORIGINS: "https://app.example" });
    const png = await freshPng();
    const upload = await link({ bytes: png.length });
    const response = await preflight(upload.url, "https://app.example", app);
    expect([response.status, response.headers.get("access-control-allow-origin")]).toEqual([204, "https://app.example"]);
    const stored = await putFrom("https://app.example", upload.url, png, app);
    expect([stored.status, stored.headers.get("access-control-allow-origin")]).toEqual([201, "https://app.example"]);
    const { id } = (await stored.json()) as Stored;
    expect(structured(await call(client, "image_info", { image: id }))).toMatchObject({ stored: true, assetId: id, width: 24, height: 16 });
  });

  it("refuses an origin the deployment does not allow, pre-flight and PUT, with no CORS headers, storing nothing", async () => {
    const png = await freshPng();
    const upload = await link({ bytes: png.length });
    const before = await assetCount();
    const message = "Origin https://evil.example is not allowed. Add it to ALLOWED_ORIGINS to let that web page connect.\n";
    for (const response of [await preflight(upload.url, "https://evil.example"), await putFrom("https://evil.example", upload.url, png)]) {
      expect(response.status).toBe(403);
      expect(await response.text()).toBe(message);
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
    }
    // Another deployment's list does not carry over: app.example is refused where it is not listed.
    expect((await preflight(upload.url, "https://app.example")).status).toBe(403);
    expect(await assetCount()).toBe(before);
    // The link was not touched: the uploader (no Origin: curl) still stores with it.
    expect((await put(upload.url, png)).status).toBe(201);
  });

  it("refuses a link addressed to a host other than localhost on a local server, as /mcp does", async () => {
    const upload = await link({ bytes: 100 });
    const rebound = upload.url.replace("http://localhost/", "http://rebind.example/");
    const response = await putFrom(PAGE, rebound, await freshPng());
    expect(response.status).toBe(403);
    expect(await response.text()).toBe("This local server answers only requests addressed to localhost.\n");
  });

  it("puts CORS headers on every refusal, so the page can read why: 400, 403, 405, 409, 410, 413, 415", async () => {
    const readable = async (response: Response) => ({
      status: response.status,
      origin: response.headers.get("access-control-allow-origin"),
      error: ((await response.json()) as { error: string }).error,
    });
    const png = await freshPng();
    const tooSmall = await link({ bytes: png.length - 1 });
    expect(await readable(await putFrom(PAGE, tooSmall.url, png))).toEqual({
      status: 413,
      origin: PAGE,
      error: `The body is ${png.length} bytes, over the ${png.length - 1} bytes this link was made for. Ask create_upload for a link with the file's exact size in bytes.`,
    });
    const spare = await link({ bytes: 1000 });
    expect(await readable(await putFrom(PAGE, spare.url, new TextEncoder().encode("just some text, not an image")))).toEqual({
      status: 415,
      origin: PAGE,
      error: "The body (28 bytes) is not an image by its leading bytes: upload a PNG, JPEG, WebP, GIF or AVIF file.",
    });
    expect(await readable(await putFrom(PAGE, spare.url, new Uint8Array(0)))).toEqual({
      status: 400,
      origin: PAGE,
      error: "The body is empty: send the file's bytes as the PUT body (curl --data-binary @file).",
    });
    expect(await readable(await worker(spare.url, { headers: { origin: PAGE } }))).toEqual({
      status: 405,
      origin: PAGE,
      error: "Upload links take PUT with the file as the body.",
    });
    expect(await readable(await putFrom(PAGE, "http://localhost/uploads/garbage", png))).toEqual({
      status: 403,
      origin: PAGE,
      error: "This upload link is not one this server signed (forged or altered). Ask for a new one with create_upload.",
    });
    const past = Math.floor(readConfig(env).clock().getTime() / 1000) - 1;
    const expired = await createUploadToken(
      { exp: past, max: 1000, mime: "image/png", name: "old.png", owner: { id: "someone" } },
      SIGNING_KEY,
    );
    expect(await readable(await putFrom(PAGE, `http://localhost/uploads/${expired.token}`, png))).toEqual({
      status: 410,
      origin: PAGE,
      error: "This upload link has expired (links last 10 minutes). Ask for a new one with create_upload.",
    });
    // Another PUT holds the link's claim: 409 until it finishes.
    const busy = await link({ bytes: png.length });
    const claims = (await readUploadToken(new URL(busy.url).pathname.slice("/uploads/".length), SIGNING_KEY))!;
    const ticket = env.REQUEST_COORDINATOR.get(env.REQUEST_COORDINATOR.idFromName(`upload:${claims.id}`));
    expect(await ticket.claimUpload(120_000)).toBe("claimed");
    expect(await readable(await putFrom(PAGE, busy.url, png))).toEqual({
      status: 409,
      origin: PAGE,
      error: "An upload through this link is in progress. Wait for it, or ask for a new link with create_upload.",
    });
    await ticket.finishUpload(true);
    expect(await readable(await putFrom(PAGE, busy.url, png))).toEqual({
      status: 410,
      origin: PAGE,
      error: "This upload link was already used: each link stores one file. Ask for a new one with create_upload.",
    });
  });
});
