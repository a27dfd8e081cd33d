// Uploads end to end: the real bundle under `wrangler dev`, create_upload through the official
// MCP client, the returned curl command run as a user would, plain HTTP PUTs for the refusals, and
// the uploaded asset id used by analyze_image and edit_image against the fake OpenAI.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUploadToken } from "../../src/http/upload-tickets";
import { encodePng } from "../../src/imaging/png-encoder";
import { startLocalStack, type LocalStack } from "../support/local-stack";
import { suiteClock } from "../support/suite-date";
import { callOk, connectStreamable, sha256Hex, textOf } from "./clients";

const TOKEN = "e2e-uploads-token-0123456789abcdefghij";
const SIGNING_KEY = "e2e-uploads-signing-key-0123456789abcdefghijklmnop";
const run = promisify(execFile);

type Upload = { url: string; method: "PUT"; expires_at: string; max_bytes: number; content_type: string; curl: string };
type Stored = {
  id: string;
  created: boolean;
  record: { sha256: string; mime: string; origin: { tool: string; parameters: Record<string, unknown> }; owners?: Array<{ id: string }> };
};

let stack: LocalStack | undefined;
let client: Client;
let workDir: string;

beforeAll(async () => {
  stack = await startLocalStack({ token: TOKEN, signingKey: SIGNING_KEY });
  client = await connectStreamable(stack.base, TOKEN);
  workDir = mkdtempSync(join(tmpdir(), "uploads-e2e-"));
}, 150_000);

afterAll(async () => {
  await client?.close().catch(() => undefined);
  await stack?.stop();
  rmSync(workDir, { recursive: true, force: true });
}, 60_000);

let seed = 0;
function png(width = 32, height = 32): Promise<Uint8Array> {
  const salt = ++seed;
  return encodePng({ width, height, alpha: true, rgba: (x, y) => [(x * 7 + salt) & 0xff, (y * 5 + salt * 3) & 0xff, 90, 255] });
}

async function createUpload(args: { filename: string; mime_type?: string; bytes: number }): Promise<Upload> {
  const result = await callOk(client, "create_upload", { mime_type: "image/png", ...args });
  return (result.structuredContent as { upload: Upload }).upload;
}

async function put(url: string, body: Uint8Array, type = "image/png"): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: "PUT", body, headers: { "content-type": type } });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe("uploads against wrangler dev", () => {
  let uploaded: Stored;

  it("the curl command create_upload returns stores the file, and the id works in analyze_image and edit_image", async () => {
    const bytes = await png(64, 64);
    const path = join(workDir, "hero sprite.png");
    writeFileSync(path, bytes);
    const upload = await createUpload({ filename: path, bytes: bytes.length });
    expect(upload).toMatchObject({ method: "PUT", max_bytes: bytes.length, content_type: "image/png" });
    expect(upload.url.startsWith(`${stack!.base}/uploads/`)).toBe(true);

    const { stdout } = await run("sh", ["-c", upload.curl]);
    uploaded = JSON.parse(stdout) as Stored;
    expect(uploaded).toMatchObject({ id: sha256Hex(bytes), created: true, record: { mime: "image/png", origin: { tool: "upload" } } });
    expect(uploaded.record.origin.parameters).toEqual({ filename: path });
    expect(uploaded.record.owners).toEqual([{ id: expect.stringMatching(/^[0-9a-f]{32}$/) }]);

    const analysis = await callOk(client, "analyze_image", { images: [uploaded.id], question: "What is this?", detail: "low" });
    expect((analysis.structuredContent as { images: Array<{ id: string }> }).images.map((i) => i.id)).toEqual([uploaded.id]);
    const edit = await callOk(client, "edit_image", { prompt: "make it blue", images: [uploaded.id], size: "1024x1024", quality: "low" });
    expect((edit.structuredContent as { parents: string[] }).parents).toEqual([uploaded.id]);
    const upstream = (await stack!.control.requests()).filter((r) => r.path === "/v1/images/edits");
    expect(upstream.at(-1)?.files?.map((f) => f.sha256)).toContain(uploaded.id);
  }, 120_000);

  it("refuses a second use with 410", async () => {
    const bytes = await png();
    const upload = await createUpload({ filename: "once.png", bytes: bytes.length });
    expect((await put(upload.url, bytes)).status).toBe(201);
    expect(await put(upload.url, bytes)).toEqual({
      status: 410,
      json: { status: 410, error: "This upload link was already used: each link stores one file. Ask for a new one with create_upload." },
    });
  });

  it("refuses an expired link with 410 and a forged one with 403", async () => {
    const now = Math.floor(suiteClock().getTime() / 1000); // the server's clock
    const past = now - 1;
    const expired = await createUploadToken(
      { exp: past, max: 1000, mime: "image/png", name: "old.png", owner: { id: "someone" } },
      SIGNING_KEY,
    );
    expect(await put(`${stack!.base}/uploads/${expired.token}`, await png())).toEqual({
      status: 410,
      json: { status: 410, error: "This upload link has expired (links last 10 minutes). Ask for a new one with create_upload." },
    });
    const future = now + 3600;
    const forged = await createUploadToken(
      { exp: future, max: 1000, mime: "image/png", name: "x.png", owner: { id: "someone" } },
      "not-the-server-key-0123456789abcdef",
    );
    expect(await put(`${stack!.base}/uploads/${forged.token}`, await png())).toEqual({
      status: 403,
      json: {
        status: 403,
        error: "This upload link is not one this server signed (forged or altered). Ask for a new one with create_upload.",
      },
    });
  });

  it("refuses a body over the declared size with 413 and the wrong type with 415, storing nothing", async () => {
    const bytes = await png();
    const small = await createUpload({ filename: "small.png", bytes: 100 });
    expect(await put(small.url, bytes)).toEqual({
      status: 413,
      json: {
        status: 413,
        error: `The body is ${bytes.length} bytes, over the 100 bytes this link was made for. Ask create_upload for a link with the file's exact size in bytes.`,
      },
    });
    const jpegLink = await createUpload({ filename: "photo.jpg", mime_type: "image/jpeg", bytes: bytes.length });
    expect(await put(jpegLink.url, bytes, "image/jpeg")).toEqual({
      status: 415,
      json: {
        status: 415,
        error:
          'The file is image/png but the link was made for image/jpeg: ask create_upload for a link with mime_type "image/png" (if it is one of PNG, JPEG, WebP, GIF or AVIF).',
      },
    });
    const info = (await client.callTool({
      name: "image_info",
      arguments: { image: Buffer.from(bytes).toString("base64") },
    })) as CallToolResult;
    expect(info.isError, textOf(info)).toBeFalsy();
    expect(info.structuredContent).toMatchObject({ stored: false });
  });
});
