// End to end: the real bundle under `wrangler dev`, driven over the network by the official
// MCP SDK client (Streamable HTTP, and once over legacy SSE), with the fake OpenAI upstream.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ElicitRequestSchema, ErrorCode, type CallToolResult, type Progress } from "@modelcontextprotocol/sdk/types.js";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePng } from "../../src/imaging/png-encoder";
import { REGISTRY } from "../../src/registry";
import { SERVER_NAME, SERVER_VERSION } from "../../src/version";
import { FakeOpenAIControl } from "../fake-openai/control";
import { startLocalStack, type LocalStack } from "../support/local-stack";
import { suiteClock } from "../support/suite-date";
import { callOk, connectSse, connectStreamable, fromBase64, sha256Hex, signDownload, textOf } from "./clients";

const TOKEN = "e2e-token-0123456789abcdefghij";
const SIGNING_KEY = "e2e-signing-key-0123456789abcdefghijklmnop";

let stack: LocalStack | undefined;
let control: FakeOpenAIControl;
let base: string;
const clients: Client[] = [];

async function teardown(): Promise<void> {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
  await stack?.stop();
  stack = undefined;
}

beforeAll(async () => {
  stack = await startLocalStack({ token: TOKEN, signingKey: SIGNING_KEY });
  control = stack.control;
  base = stack.base;
}, 120_000);

afterAll(teardown, 30_000);

async function connect(options?: Parameters<typeof connectStreamable>[2]): Promise<Client> {
  const client = await connectStreamable(base, TOKEN, options);
  clients.push(client);
  return client;
}

type AssetView = {
  id: string;
  kind: string;
  mimeType: string;
  bytes: number;
  width?: number;
  height?: number;
  uri: string;
  downloadUrl: string;
};
type ImageResult = {
  images: AssetView[];
  parameters: { model: string; size: string; quality: string; output_format: string };
  parents: string[];
  cached: boolean;
  usage: { totalTokens: number } | null;
  cost: { usd: number };
};

/** A result about an image carries a WebP preview of at most 512 px and a resource link to the asset. */
async function expectPreviewAndLink(result: CallToolResult, asset: AssetView): Promise<void> {
  const preview = result.content.find((b) => b.type === "image");
  expect(preview, "preview image block").toMatchObject({ type: "image", mimeType: "image/webp" });
  const meta = await sharp(Buffer.from((preview as { data: string }).data, "base64")).metadata();
  expect(meta.format).toBe("webp");
  expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBeLessThanOrEqual(512);
  expect(result.content.find((b) => b.type === "resource_link")).toMatchObject({
    type: "resource_link",
    uri: asset.uri,
    mimeType: asset.mimeType,
    size: asset.bytes,
  });
}

describe("wrangler dev end to end", () => {
  let client: Client;
  let generated: AssetView;
  let edited: AssetView;
  let tinyPng: Uint8Array;
  let analysis: AssetView;

  it("answers /health and refuses unknown paths, missing or bad tokens and foreign origins", async () => {
    const health = await fetch(`${base}/health`);
    expect(await health.json()).toMatchObject({ ok: true, name: SERVER_NAME, version: SERVER_VERSION });
    expect((await fetch(`${base}/nope`)).status).toBe(404);

    const initialize = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
    });
    const post = (headers: Record<string, string>) =>
      fetch(`${base}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
        body: initialize,
      });

    const noToken = await post({});
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get("www-authenticate")).toMatch(/^Bearer /);
    await noToken.body?.cancel();

    const badToken = await post({ authorization: "Bearer not-the-right-token-at-all" });
    expect(badToken.status).toBe(401);
    expect(await badToken.json()).toMatchObject({ error: "invalid_token" });

    const badOrigin = await post({ authorization: `Bearer ${TOKEN}`, origin: "https://evil.example" });
    expect(badOrigin.status).toBe(403);
    expect(await badOrigin.text()).toContain("https://evil.example");

    const sseNoToken = await fetch(`${base}/sse`, { headers: { accept: "text/event-stream" } });
    expect(sseNoToken.status).toBe(401);
    await sseNoToken.body?.cancel();
  });

  it("initializes with server info and instructions, and lists tools, templates and prompts", async () => {
    client = await connect();
    expect(client.getServerVersion()).toMatchObject({ name: SERVER_NAME, version: SERVER_VERSION });
    expect(client.getInstructions()).toMatch(/asset id/);
    expect(client.getServerCapabilities()).toMatchObject({ tools: {}, resources: {} });

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(REGISTRY.tools.map((t) => t.name).sort());
    for (const tool of tools) {
      expect(tool.title, tool.name).toBeTruthy();
      expect(tool.description?.length, tool.name).toBeGreaterThan(60);
      expect(tool.outputSchema?.type, tool.name).toBe("object");
      expect(Object.keys(tool.annotations ?? {}).sort(), tool.name).toEqual([
        "destructiveHint",
        "idempotentHint",
        "openWorldHint",
        "readOnlyHint",
      ]);
    }

    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain("asset://{kind}/{sha256}");

    // With no prompts registered the SDK declares no prompts capability and answers
    // prompts/list with "method not found"; once prompts exist they must all be listed.
    if (client.getServerCapabilities()?.prompts) {
      const { prompts } = await client.listPrompts();
      expect(prompts.map((p) => p.name).sort()).toEqual(REGISTRY.prompts.map((p) => p.name).sort());
    } else {
      expect(REGISTRY.prompts).toEqual([]);
      await expect(client.listPrompts()).rejects.toMatchObject({ code: ErrorCode.MethodNotFound });
    }
  });

  it("count_tokens and server_status", async () => {
    const tokens = await callOk(client, "count_tokens", { text: "Hello, world!" });
    expect(tokens.structuredContent).toEqual({ tokens: 4, characters: 13, encoding: "o200k_base" });
    expect(tokens.content.some((b) => b.type === "text" && b.text === JSON.stringify(tokens.structuredContent))).toBe(true);

    const status = await callOk(client, "server_status");
    expect(status.structuredContent).toMatchObject({
      server: { name: SERVER_NAME, version: SERVER_VERSION, deployEnv: "test" },
      era: { protocol: "2025-session", sessionMemory: true },
      capabilities: { imageGeneration: { available: true }, vision: { available: true }, tokenCounting: { available: true } },
      defaults: { imageModel: expect.any(String), visionModel: expect.any(String) },
      assets: { image: { count: 0, bytes: 0 } },
    });
  });

  it("generate_image stores a 1024x1024 PNG and returns a preview, a link and usage; a repeat comes from the cache", async () => {
    const args = { prompt: "A red apple on a white table, flat illustration", size: "1024x1024", quality: "low" };
    const result = await callOk(client, "generate_image", args);
    const out = result.structuredContent as ImageResult;
    expect(out.images).toHaveLength(1);
    generated = out.images[0]!;
    expect(generated).toMatchObject({
      kind: "image",
      mimeType: "image/png",
      width: 1024,
      height: 1024,
      uri: `asset://images/${generated.id}`,
    });
    expect(generated.id).toMatch(/^[0-9a-f]{64}$/);
    expect(out.parameters).toMatchObject({ size: "1024x1024", quality: "low", output_format: "png" });
    expect(out.cached).toBe(false);
    expect(out.usage?.totalTokens).toBeGreaterThan(0);
    expect(out.cost.usd).toBeGreaterThan(0);
    await expectPreviewAndLink(result, generated);

    const upstream = (await control.requests()).filter((r) => r.path === "/v1/images/generations");
    expect(upstream).toHaveLength(1);
    expect(upstream[0]?.json).toMatchObject({ prompt: args.prompt, size: "1024x1024", quality: "low" });

    const again = (await callOk(client, "generate_image", args)).structuredContent as ImageResult;
    expect(again).toMatchObject({ cached: true, cost: { usd: 0 } });
    expect(again.images[0]?.id).toBe(generated.id);
    expect((await control.requests()).filter((r) => r.path === "/v1/images/generations")).toHaveLength(1);
  });

  it("edit_image edits the generated asset together with an inline data-URL PNG", async () => {
    tinyPng = await encodePng({ width: 16, height: 16, alpha: true, rgba: (x, y) => [x * 16, y * 16, 200, 255] });
    const dataUrl = `data:image/png;base64,${Buffer.from(tinyPng).toString("base64")}`;
    const result = await callOk(client, "edit_image", {
      prompt: "Put the small gradient tile on the table next to the apple",
      images: [generated.id, dataUrl],
      size: "1024x1024",
      quality: "low",
    });
    const out = result.structuredContent as ImageResult;
    edited = out.images[0]!;
    expect(edited).toMatchObject({ kind: "image", mimeType: "image/png", width: 1024, height: 1024 });
    expect(edited.id).not.toBe(generated.id);
    expect(out.parents).toEqual([generated.id, sha256Hex(tinyPng)]);
    await expectPreviewAndLink(result, edited);

    const upstream = (await control.requests()).filter((r) => r.path === "/v1/images/edits");
    expect(upstream).toHaveLength(1);
    expect(upstream[0]?.files?.map((f) => f.sha256)).toContain(sha256Hex(tinyPng));
  });

  it("analyze_image answers a question about a stored image", async () => {
    const result = await callOk(client, "analyze_image", {
      images: [generated.id],
      question: "What fruit is shown?",
      detail: "low",
      max_output_tokens: 200,
    });
    const out = result.structuredContent as {
      answer: string;
      model: string;
      images: Array<{ id: string }>;
      cached: boolean;
      analysis: AssetView;
      usage: { totalTokens: number } | null;
    };
    expect(out.answer.length).toBeGreaterThan(0);
    expect(out.images.map((i) => i.id)).toEqual([generated.id]);
    expect(out.cached).toBe(false);
    expect(out.usage?.totalTokens).toBeGreaterThan(0);
    expect(out.analysis).toMatchObject({ kind: "analysis", mimeType: "application/json" });
    analysis = out.analysis;
    expect(result.content.some((b) => b.type === "text" && b.text.length > 0)).toBe(true);
  });

  it("check_image returns the scripted verdict", async () => {
    const verdict = {
      matches: false,
      score: 0.42,
      differences: ["The apple is green, not red."],
      summary: "Close, but the colour is wrong.",
    };
    await control.script(JSON.stringify(verdict));
    const result = await callOk(client, "check_image", { image: generated.id, prompt: "A red apple on a white table", detail: "low" });
    expect(result.structuredContent).toMatchObject({ imageId: generated.id, ...verdict, cached: false });
    expect(textOf(result)).toContain("Does NOT match");
  });

  it("list_assets, get_asset and verify_asset", async () => {
    const list = await callOk(client, "list_assets", { kind: "image" });
    const listed = (list.structuredContent as { assets: Array<{ id: string; tool: string }> }).assets;
    expect(listed.map((a) => a.id)).toEqual(expect.arrayContaining([generated.id, edited.id, sha256Hex(tinyPng)]));
    expect(listed.find((a) => a.id === generated.id)?.tool).toBe("generate_image");
    const byTool = await callOk(client, "list_assets", { tool: "edit_image" });
    expect((byTool.structuredContent as { assets: Array<{ id: string }> }).assets.map((a) => a.id)).toEqual([edited.id]);

    const got = await callOk(client, "get_asset", { id: generated.id });
    const out = got.structuredContent as { asset: AssetView; origin: { tool: string; model?: string; prompt?: string } };
    expect(out.asset).toMatchObject({ id: generated.id, bytes: generated.bytes, width: 1024 });
    expect(out.asset.downloadUrl).toMatch(new RegExp(`^${base}/assets/${generated.id}\\.png\\?`));
    expect(out.origin).toMatchObject({ tool: "generate_image", prompt: expect.stringContaining("red apple") });
    await expectPreviewAndLink(got, generated);

    const verified = await callOk(client, "verify_asset", { id: generated.id });
    expect(verified.structuredContent).toMatchObject({ id: generated.id, status: "ok", lastVerifiedAt: expect.any(String) });
  });

  it("resources/read returns the asset's bytes with its MIME type", async () => {
    const { contents } = await client.readResource({ uri: generated.uri });
    expect(contents).toHaveLength(1);
    const content = contents[0] as { uri: string; mimeType: string; blob: string };
    expect(content).toMatchObject({ uri: generated.uri, mimeType: "image/png" });
    const bytes = fromBase64(content.blob);
    expect(bytes.byteLength).toBe(generated.bytes);
    expect(sha256Hex(bytes)).toBe(generated.id);

    const json = (await client.readResource({ uri: analysis.uri })).contents[0] as { mimeType: string; text: string };
    expect(json.mimeType).toBe("application/json");
    expect(JSON.parse(json.text)).toMatchObject({ tool: "analyze_image", images: [generated.id], question: "What fruit is shown?" });

    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(expect.arrayContaining([generated.uri, edited.uri, analysis.uri]));

    await expect(client.readResource({ uri: `asset://images/${"0".repeat(64)}` })).rejects.toThrow(/No image asset/);
  });

  it("serves signed downloads with ETag and Range, and refuses a tampered signature", async () => {
    const got = await callOk(client, "get_asset", { id: generated.id, return: "none" });
    const url = (got.structuredContent as { asset: AssetView }).asset.downloadUrl;

    const full = await fetch(url);
    expect(full.status).toBe(200);
    expect(full.headers.get("etag")).toBe(`"${generated.id}"`);
    expect(full.headers.get("content-type")).toBe("image/png");
    expect(full.headers.get("cache-control")).toContain("immutable");
    const bytes = new Uint8Array(await full.arrayBuffer());
    expect(bytes.byteLength).toBe(generated.bytes);
    expect(sha256Hex(bytes)).toBe(generated.id);

    const partial = await fetch(url, { headers: { range: "bytes=0-99" } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get("content-range")).toBe(`bytes 0-99/${generated.bytes}`);
    expect(new Uint8Array(await partial.arrayBuffer())).toEqual(bytes.subarray(0, 100));

    const notModified = await fetch(url, { headers: { "if-none-match": `"${generated.id}"` } });
    expect(notModified.status).toBe(304);

    const tampered = new URL(url);
    const sig = tampered.searchParams.get("sig")!;
    tampered.searchParams.set("sig", `${sig[0] === "A" ? "B" : "A"}${sig.slice(1)}`);
    const forged = await fetch(tampered);
    expect(forged.status).toBe(403);
    expect(await forged.text()).toMatch(/signature/);

    const unsigned = await fetch(`${base}/assets/${generated.id}.png`);
    expect(unsigned.status).toBe(403);
    await unsigned.body?.cancel();

    // Correctly signed with the server's key, but an hour in the past.
    const expired = await fetch(
      signDownload(base, `/assets/${generated.id}.png`, SIGNING_KEY, Math.floor(suiteClock().getTime() / 1000) - 3600),
    );
    expect(expired.status).toBe(403);
    expect(await expired.text()).toMatch(/expired/);
    const unknown = await fetch(
      signDownload(base, `/assets/${"ab".repeat(32)}.png`, SIGNING_KEY, Math.floor(suiteClock().getTime() / 1000) + 600),
    );
    expect(unknown.status).toBe(404);
    await unknown.body?.cancel();

    const head = await fetch(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(generated.bytes));
  });

  it("delete_asset needs confirmation from a client without elicitation, then removes blob, record and cache entry", async () => {
    const refused = (await client.callTool({ name: "delete_asset", arguments: { id: edited.id } })) as CallToolResult;
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/confirm: true/);

    const result = await callOk(client, "delete_asset", { id: edited.id, confirm: true });
    expect(result.structuredContent).toEqual({
      id: edited.id,
      deleted: true,
      released: true,
      ownersLeft: 0,
      removed: { blob: true, record: true, cacheEntries: 1 },
    });

    const verified = await callOk(client, "verify_asset", { id: edited.id });
    expect(verified.structuredContent).toMatchObject({ id: edited.id, status: "missing" });
    const got = (await client.callTool({ name: "get_asset", arguments: { id: edited.id } })) as CallToolResult;
    expect(got.isError).toBe(true);
    const download = await fetch(edited.downloadUrl);
    expect(download.status).toBe(404);
    await download.body?.cancel();
  });

  it("delete_asset asks a client that supports elicitation, and deletes when the user accepts", async () => {
    const asking = await connect({ capabilities: { elicitation: { form: {} } } });
    const questions: string[] = [];
    asking.setRequestHandler(ElicitRequestSchema, async (request) => {
      questions.push(request.params.message);
      return { action: "accept", content: { confirm: true } };
    });
    const inputId = sha256Hex(tinyPng);
    const result = await callOk(asking, "delete_asset", { id: inputId });
    expect(questions).toHaveLength(1);
    expect(questions[0]).toContain(inputId);
    expect(result.structuredContent).toMatchObject({ id: inputId, deleted: true, removed: { blob: true, record: true } });
  });

  it("sends progress notifications during a generation when the client asks for them", async () => {
    const updates: Progress[] = [];
    const result = (await client.callTool(
      { name: "generate_image", arguments: { prompt: "A blue pear, watercolour", size: "1024x1024", quality: "low" } },
      undefined,
      { onprogress: (p) => updates.push(p), resetTimeoutOnProgress: true, timeout: 60_000 },
    )) as CallToolResult;
    expect(result.isError, textOf(result)).toBeFalsy();
    expect((result.structuredContent as ImageResult).cached).toBe(false);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    // Every notice counts up by one (the spec requires increasing values); a job's length is unknown, so no total.
    expect(updates.map((u) => u.progress)).toEqual(updates.map((_, i) => i + 1));
    expect(updates.every((u) => u.total === undefined)).toBe(true);
    // With a progress token the server pays for partial images, each one a progress step.
    const upstream = (await control.requests()).filter((r) => r.path === "/v1/images/generations").at(-1);
    expect(upstream?.json).toMatchObject({ prompt: "A blue pear, watercolour", stream: true, partial_images: 2 });
    expect(updates.length).toBeGreaterThanOrEqual(3);
  });

  it("works over the legacy SSE transport", async () => {
    const sse = await connectSse(base, TOKEN);
    clients.push(sse);
    expect(sse.getServerVersion()).toMatchObject({ name: SERVER_NAME, version: SERVER_VERSION });
    const { tools } = await sse.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(REGISTRY.tools.map((t) => t.name).sort());
    const tokens = await callOk(sse, "count_tokens", { text: "Hello, world!" });
    expect(tokens.structuredContent).toEqual({ tokens: 4, characters: 13, encoding: "o200k_base" });
    const got = await callOk(sse, "get_asset", { id: generated.id });
    const asset = (got.structuredContent as { asset: AssetView }).asset;
    expect(asset.id).toBe(generated.id);
    expect(asset.downloadUrl.startsWith(`${base}/assets/`)).toBe(true);
  });
});
