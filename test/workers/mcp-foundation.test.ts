import { env } from "cloudflare:workers";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { beforeAll, describe, expect, it } from "vitest";
import { REGISTRY } from "../../src/registry";
import { storeAsset, testServices } from "../support/assets";
import { BASE, call, connect, structured, textOf, TOKEN, worker } from "../support/mcp";
import { solidPng } from "../support/png";

let png: Uint8Array;
beforeAll(async () => {
  png = await solidPng(800, 600, [200, 40, 40, 255]);
});

describe("MCP over Streamable HTTP (2025 session era)", () => {
  it("lists every tool with title, annotations and an output schema", async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(REGISTRY.tools.map((t) => t.name).sort());
    for (const tool of tools) {
      expect(tool.title, tool.name).toBeTruthy();
      expect(tool.description!.length, tool.name).toBeGreaterThan(60);
      expect(tool.outputSchema?.type, tool.name).toBe("object");
      expect(Object.keys(tool.annotations ?? {}).sort(), tool.name).toEqual([
        "destructiveHint",
        "idempotentHint",
        "openWorldHint",
        "readOnlyHint",
      ]);
    }
    expect(tools.find((t) => t.name === "delete_asset")?.annotations?.destructiveHint).toBe(true);
    await client.close();
  });

  it("count_tokens counts with o200k_base", async () => {
    const client = await connect();
    const result = await call(client, "count_tokens", { text: "Hello, world!" });
    expect(structured(result)).toEqual({ tokens: 4, characters: 13, encoding: "o200k_base" });
    // The same JSON travels as text for clients that ignore structuredContent.
    expect(result.content.some((b) => b.type === "text" && JSON.parse(b.text.startsWith("{") ? b.text : "null")?.tokens === 4)).toBe(true);
    await client.close();
  });

  it("count_tokens counts up to 128,000 characters and refuses more, naming the field and the fix", async () => {
    const client = await connect();
    const atCap = structured<{ tokens: number; characters: number }>(await call(client, "count_tokens", { text: "z".repeat(128_000) }));
    expect(atCap.characters).toBe(128_000);
    expect(atCap.tokens).toBeGreaterThan(10_000);
    const over = await call(client, "count_tokens", { text: "z".repeat(128_001) });
    expect(over.isError).toBe(true);
    expect(textOf(over)).toContain("text is longer than 128000 characters: split it and count the parts.");
    await client.close();
  });

  it("server_status reports configuration, defaults, the era and asset counts", async () => {
    await storeAsset({ bytes: png, width: 800, height: 600 });
    const client = await connect();
    const status = structured<{
      server: { version: string };
      era: { protocol: string; sessionMemory: boolean };
      capabilities: { imageGeneration: { available: boolean }; imageProcessing: { unavailableOperations: string[] } };
      defaults: { imageModel: string; visionModel: string };
      models: { image: Array<{ id: string; sizes: string[]; markup: boolean }>; vision: Array<{ id: string }> };
      assets: { image: { count: number; bytes: number } };
    }>(await call(client, "server_status"));
    expect(status.era).toMatchObject({ protocol: "2025-session", sessionMemory: true });
    expect(status.capabilities.imageGeneration.available).toBe(true);
    expect(status.defaults.imageModel).toBe("gpt-image-2");
    const { models } = status;
    expect(models.image.map((m) => m.id)).toContain("gpt-image-2.6-sunburst");
    expect(models.image.map((m) => m.id)).not.toContain("dall-e-3");
    expect(models.image.find((m) => m.id === "gpt-image-2")?.sizes).toContain("1024x1024");
    expect(models.image.filter((m) => m.markup).map((m) => m.id)).toEqual([
      "gpt-image-2.5-flare",
      "gpt-image-2.5-sunburst",
      "gpt-image-2.6-sunburst",
    ]);
    expect(models.vision.map((m) => m.id)).toContain("gpt-6.1-terra");
    expect(status.assets.image.count).toBeGreaterThanOrEqual(1);
    expect(status.assets.image.bytes).toBeGreaterThanOrEqual(png.byteLength);
    await client.close();
  });

  it("get_asset returns the record, a WebP preview, a resource link and a signed URL", async () => {
    const record = await storeAsset({ bytes: png, width: 800, height: 600 });
    const client = await connect();
    const result = await call(client, "get_asset", { id: record.sha256 });
    const out = structured<{ asset: { id: string; downloadUrl: string; uri: string; width: number } }>(result);
    expect(out.asset).toMatchObject({ id: record.sha256, uri: `asset://images/${record.sha256}`, width: 800 });
    const preview = result.content.find((b) => b.type === "image");
    expect(preview).toMatchObject({ type: "image", mimeType: "image/webp" });
    const info = await env.IMAGES.info(
      new Blob([Uint8Array.from(atob((preview as { data: string }).data), (c) => c.charCodeAt(0))]).stream(),
    );
    expect("width" in info && Math.max(info.width, info.height)).toBe(512);
    expect(result.content.find((b) => b.type === "resource_link")).toMatchObject({
      uri: `asset://images/${record.sha256}`,
      mimeType: "image/png",
    });

    const download = await worker(out.asset.downloadUrl);
    expect(download.status).toBe(200);
    expect(download.headers.get("etag")).toBe(`"${record.sha256}"`);
    expect(download.headers.get("cache-control")).toContain("immutable");
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(png);

    const full = await call(client, "get_asset", { id: `asset://images/${record.sha256}`, return: "full" });
    expect(full.content.find((b) => b.type === "image")).toMatchObject({ mimeType: "image/png" });
    const none = await call(client, "get_asset", { id: record.sha256, return: "none" });
    expect(none.content.some((b) => b.type === "image")).toBe(false);
    await client.close();
  });

  it("list_assets pages with a cursor and filters by kind and tool", async () => {
    await storeAsset({
      bytes: new TextEncoder().encode('{"a":1}'),
      kind: "analysis",
      mime: "application/json",
      origin: { tool: "analyze_image" },
    });
    const client = await connect();
    const analyses = structured<{ assets: Array<{ kind: string; tool: string }> }>(await call(client, "list_assets", { kind: "analysis" }));
    expect(analyses.assets.length).toBeGreaterThan(0);
    expect(analyses.assets.every((a) => a.kind === "analysis")).toBe(true);
    const byTool = structured<{ assets: Array<{ tool: string }> }>(await call(client, "list_assets", { tool: "analyze_image" }));
    expect(byTool.assets.every((a) => a.tool === "analyze_image")).toBe(true);
    const first = structured<{ assets: unknown[]; cursor?: string }>(await call(client, "list_assets", { limit: 1 }));
    expect(first.assets).toHaveLength(1);
    expect(first.cursor).toBeTruthy();
    const second = structured<{ assets: unknown[] }>(await call(client, "list_assets", { limit: 1, cursor: first.cursor }));
    expect(second.assets).toHaveLength(1);
    expect(second.assets[0]).not.toEqual(first.assets[0]);
    await client.close();
  });

  it("verify_asset reports ok, then corrupted after the blob is tampered with in R2", async () => {
    const record = await storeAsset({ bytes: await solidPng(16, 16, [1, 2, 3, 255]) });
    const client = await connect();
    expect(structured(await call(client, "verify_asset", { id: record.sha256 }))).toMatchObject({ status: "ok" });
    await env.ASSETS.put(`images/${record.sha256}.png`, new Uint8Array([1, 2, 3]));
    const corrupted = structured<{ status: string; detail: string }>(await call(client, "verify_asset", { id: record.sha256 }));
    expect(corrupted.status).toBe("corrupted");
    await env.ASSETS.delete(`images/${record.sha256}.png`);
    expect(structured(await call(client, "verify_asset", { id: record.sha256 }))).toMatchObject({ status: "missing" });
    await client.close();
  });

  it("resources: the asset template is listed and readable as a blob", async () => {
    const record = await storeAsset({ bytes: await solidPng(8, 8, [9, 9, 9, 255]) });
    const client = await connect();
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain("asset://{kind}/{sha256}");
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain(`asset://images/${record.sha256}`);
    const read = await client.readResource({ uri: `asset://images/${record.sha256}` });
    const content = read.contents[0] as { blob: string; mimeType: string };
    expect(content.mimeType).toBe("image/png");
    expect(Uint8Array.from(atob(content.blob), (c) => c.charCodeAt(0)).byteLength).toBe(record.bytes);
    await expect(client.readResource({ uri: `asset://images/${"0".repeat(64)}` })).rejects.toThrow(/No image asset/);
    await expect(client.readResource({ uri: `asset://things/${record.sha256}` })).rejects.toThrow(/not an asset URI/);
    await client.close();
  });

  it("delete_asset asks through elicitation and honours a decline, then deletes on accept", async () => {
    const record = await storeAsset({ bytes: await solidPng(8, 8, [7, 7, 7, 255]) });
    const client = await connect({ capabilities: { capabilities: { elicitation: { form: {} } } } });
    let answer: "accept" | "decline" = "decline";
    const questions: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      questions.push(request.params.message);
      return answer === "accept" ? { action: "accept", content: { confirm: true } } : { action: "decline" };
    });
    const declined = structured<{ deleted: boolean }>(await call(client, "delete_asset", { id: record.sha256 }));
    expect(declined.deleted).toBe(false);
    expect(questions[0]).toContain(record.sha256);
    expect(await testServices().library.get(record.sha256)).toBeDefined();
    answer = "accept";
    const deleted = structured<{ deleted: boolean; removed: { blob: boolean; record: boolean } }>(
      await call(client, "delete_asset", { id: record.sha256 }),
    );
    expect(deleted).toMatchObject({ deleted: true, removed: { blob: true, record: true } });
    expect(await env.ASSETS.head(`images/${record.sha256}.png`)).toBeNull();
    await client.close();
  });

  it("delete_asset without elicitation needs confirm: true", async () => {
    const record = await storeAsset({ bytes: await solidPng(8, 8, [6, 6, 6, 255]) });
    const client = await connect();
    const refused = await call(client, "delete_asset", { id: record.sha256 });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain("confirm: true");
    expect(structured(await call(client, "delete_asset", { id: record.sha256, confirm: true }))).toMatchObject({ deleted: true });
    await client.close();
  });

  it("bad asset ids get a clear tool error naming the field", async () => {
    const client = await connect();
    for (const [tool, args, expected] of [
      [
        "get_asset",
        { id: "not-a-hash" },
        'Invalid arguments for get_asset: id: "not-a-hash" is not an asset id: expected 64 hex characters (the SHA-256 an earlier result returned as id) or an asset:// URI. Use list_assets to find ids. Fix it and call again.',
      ],
      [
        "verify_asset",
        { id: "abc" },
        'Invalid arguments for verify_asset: id: "abc" is not an asset id: expected 64 hex characters (the SHA-256 an earlier result returned as id) or an asset:// URI. Use list_assets to find ids. Fix it and call again.',
      ],
      [
        "get_asset",
        { id: "f".repeat(64) },
        "No asset ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff is stored here. Use list_assets to see what exists.",
      ],
      [
        "delete_asset",
        { id: "e".repeat(64), confirm: true },
        "No asset eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee is stored here. Use list_assets to see what exists.",
      ],
      ["get_asset", {}, "Invalid arguments for get_asset: id: required: give a string. Fix it and call again."],
      [
        "list_assets",
        { since: "yesterday" },
        "Invalid arguments for list_assets: since: must be an ISO 8601 time such as 2026-11-24T10:00:00Z. Fix it and call again.",
      ],
      ["list_assets", { limit: 1000 }, "Invalid arguments for list_assets: limit: must be at most 100. Fix it and call again."],
      [
        "get_asset",
        { id: "f".repeat(64), return: "everything" },
        'Invalid arguments for get_asset: return: must be one of "preview", "full", "none". Fix it and call again.',
      ],
      ["count_tokens", {}, "Invalid arguments for count_tokens: text: required: give a string. Fix it and call again."],
      ["count_tokens", { text: 42 }, "Invalid arguments for count_tokens: text: must be a string, not number 42. Fix it and call again."],
      [
        "list_assets",
        { kind: "videos" },
        'Invalid arguments for list_assets: kind: must be one of "image", "analysis", "model". Fix it and call again.',
      ],
      [
        "list_assets",
        { since: "2026-11-02T00:00:00Z", until: "2026-11-01T00:00:00Z" },
        "since is later than until: no asset can match. Swap them or drop one.",
      ],
    ] as const) {
      const result = await call(client, tool, args);
      expect(result.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
      expect(textOf(result)).toBe(expected);
    }
    await client.close();
  });
});

describe("the Worker's gate and routes", () => {
  const initialize = (headers: Record<string, string> = {}, body?: string) =>
    worker(`${BASE}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
      body:
        body ??
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
        }),
    });

  it("answers /health without auth and 404 elsewhere", async () => {
    expect(await (await worker(`${BASE}/health`)).json()).toMatchObject({ ok: true });
    const missing = await worker(`${BASE}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("/mcp");
  });

  it("refuses missing and wrong tokens with 401 and WWW-Authenticate", async () => {
    for (const headers of [{}, { authorization: "Bearer wrong-token-value-123" }, { authorization: "Token x" }] as Record<
      string,
      string
    >[]) {
      const response = await initialize(headers);
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toContain("Bearer");
    }
    const sse = await worker(`${BASE}/sse`);
    expect(sse.status).toBe(401);
  });

  it("answers CORS pre-flights from allowed origins without a token, with the headers of both eras", async () => {
    for (const path of ["/mcp", "/sse"]) {
      const response = await worker(`${BASE}${path}`, {
        method: "OPTIONS",
        headers: {
          origin: "http://localhost:6274",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization,content-type,mcp-protocol-version,mcp-method,mcp-name",
        },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe("http://localhost:6274");
      const allowed = (response.headers.get("access-control-allow-headers") ?? "").toLowerCase().split(/,\s*/);
      for (const header of [
        "authorization",
        "content-type",
        "mcp-session-id",
        "mcp-protocol-version",
        "mcp-method",
        "mcp-name",
        "last-event-id",
      ]) {
        expect(allowed).toContain(header);
      }
      expect(response.headers.get("access-control-expose-headers")).toMatch(/Mcp-Session-Id/);
    }
    // A refused pre-flight stays refused: the Origin check comes first.
    const evil = await worker(`${BASE}/mcp`, { method: "OPTIONS", headers: { origin: "https://evil.example" } });
    expect(evil.status).toBe(403);
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("lets a browser page read why it was refused (401 with CORS headers)", async () => {
    const response = await initialize({ origin: "http://localhost:6274" });
    expect(response.status).toBe(401);
    expect(response.headers.get("access-control-allow-origin")).toBe("http://localhost:6274");
    expect(response.headers.get("access-control-expose-headers")).toMatch(/WWW-Authenticate/);
  });

  it("accepts the second token too (rotation)", async () => {
    expect((await initialize({ authorization: "Bearer test-token-two-0123456789" })).status).toBe(200);
  });

  it("refuses a disallowed Origin and a rebinding Host", async () => {
    const origin = await initialize({ authorization: `Bearer ${TOKEN}`, origin: "https://evil.example" });
    expect(origin.status).toBe(403);
    expect(await origin.text()).toContain("ALLOWED_ORIGINS");
    const host = await worker("http://rebind.evil.example/mcp", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: "{}",
    });
    expect(host.status).toBe(403);
  });

  it("refuses oversized bodies before they reach the session", async () => {
    const big = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "count_tokens", arguments: { text: "x".repeat(5 * 1024 * 1024) } },
    });
    const response = await initialize({ authorization: `Bearer ${TOKEN}` }, big);
    expect(response.status).toBe(413);
    expect(await response.text()).toContain("asset id");
  });
});

describe("signed downloads", () => {
  it("serves ranges and 304s, refuses forged, expired and unknown", async () => {
    const record = await storeAsset({ bytes: png });
    const client = await connect();
    const { asset } = structured<{ asset: { downloadUrl: string } }>(
      await call(client, "get_asset", { id: record.sha256, return: "none" }),
    );
    await client.close();

    const ranged = await worker(asset.downloadUrl, { headers: { range: "bytes=0-7" } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-range")).toBe(`bytes 0-7/${record.bytes}`);
    expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(png.slice(0, 8));
    expect((await worker(asset.downloadUrl, { headers: { range: `bytes=${record.bytes + 5}-` } })).status).toBe(416);
    expect((await worker(asset.downloadUrl, { headers: { "if-none-match": `"${record.sha256}"` } })).status).toBe(304);
    expect((await worker(asset.downloadUrl, { method: "HEAD" })).headers.get("content-length")).toBe(String(record.bytes));

    const forged = new URL(asset.downloadUrl);
    forged.searchParams.set("sig", "AAAA");
    const forgedResponse = await worker(forged);
    expect(forgedResponse.status).toBe(403);
    expect(await forgedResponse.text()).toContain("signature is not valid");

    const unknown = new URL(asset.downloadUrl);
    unknown.pathname = `/assets/${"0".repeat(64)}.png`;
    expect((await worker(unknown)).status).toBe(403); // the signature covers the path

    const { signedDownloadUrl } = await import("../../src/http/downloads");
    const services = testServices();
    const expired = await signedDownloadUrl(BASE, record.sha256, "png", {
      ...services.config,
      clock: () => new Date(services.config.clock().getTime() - 2 * 3600_000),
    });
    const expiredResponse = await worker(expired.url);
    expect(expiredResponse.status).toBe(403);
    expect(await expiredResponse.text()).toContain("expired");
    const missing = await signedDownloadUrl(BASE, "0".repeat(64), "png", services.config);
    expect((await worker(missing.url)).status).toBe(404);
    expect((await worker(`${BASE}/assets/nothex.png`)).status).toBe(404);
  });
});
