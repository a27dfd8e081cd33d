import { beforeEach, describe, expect, inject, it } from "vitest";
import { REGISTRY } from "../../src/registry";
import { FakeOpenAIControl } from "../fake-openai/control";
import { storeAsset, testServices } from "../support/assets";
import { BASE, connect, connectModern, TOKEN, worker } from "../support/mcp";
import { solidPng } from "../support/png";

const fake = new FakeOpenAIControl(inject("fakeOpenAIUrl"));
beforeEach(() => fake.reset());

const MODERN = "2026-07-28";
const envelope = {
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
};

function post(body: unknown, headers: Record<string, string> = {}) {
  return worker(`${BASE}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      authorization: `Bearer ${TOKEN}`,
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

async function errorOf(response: Response): Promise<{ code: number; message: string }> {
  const text = await response.text();
  const json = JSON.parse(
    text.startsWith("{")
      ? text
      : text
          .split("\n")
          .find((l) => l.startsWith("data:"))!
          .slice(5),
  ) as { error: { code: number; message: string } };
  return json.error;
}

describe("both protocol eras on /mcp", () => {
  it("lists the same tools, templates and prompts in both eras", async () => {
    const legacy = await connect();
    const modern = await connectModern();
    const [oldTools, newTools] = [(await legacy.listTools()).tools, (await modern.listTools()).tools];
    const shape = (tools: typeof oldTools) =>
      tools
        .map((t) => ({
          name: t.name,
          title: t.title,
          annotations: t.annotations,
          input: Object.keys((t.inputSchema.properties ?? {}) as object).sort(),
          output: Object.keys((t.outputSchema?.properties ?? {}) as object).sort(),
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
    expect(shape(newTools as typeof oldTools)).toEqual(shape(oldTools));
    expect(oldTools.map((t) => t.name).sort()).toEqual(REGISTRY.tools.map((t) => t.name).sort());
    expect((await modern.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toEqual(
      (await legacy.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate),
    );
    expect((await modern.listPrompts()).prompts.map((p) => p.name)).toEqual((await legacy.listPrompts()).prompts.map((p) => p.name));
    await legacy.close();
    await modern.close();
  });

  it("gives identical structuredContent for identical calls", async () => {
    const record = await storeAsset({ bytes: await solidPng(20, 10, [5, 6, 7, 255]) });
    const legacy = await connect();
    const modern = await connectModern();
    for (const [name, args] of [
      ["count_tokens", { text: "identical in both eras" }],
      ["verify_asset", { id: record.sha256 }],
      ["list_assets", { limit: 5 }],
    ] as const) {
      const a = await legacy.callTool({ name, arguments: args });
      const b = await modern.callTool({ name, arguments: args });
      const strip = (v: unknown) => JSON.parse(JSON.stringify(v).replace(/"(checkedAt|lastVerifiedAt)":"[^"]+"/g, '"$1":"t"'));
      expect(strip(b.structuredContent), name).toEqual(strip(a.structuredContent));
    }
    // A generated image is the same asset whichever era asked first: the second is a cache hit.
    const first = await legacy.callTool({ name: "generate_image", arguments: { prompt: "era test", quality: "low" } });
    const second = await modern.callTool({ name: "generate_image", arguments: { prompt: "era test", quality: "low" } });
    expect((second.structuredContent as { cached: boolean }).cached).toBe(true);
    expect((second.structuredContent as { images: Array<{ id: string }> }).images[0]!.id).toBe(
      (first.structuredContent as { images: Array<{ id: string }> }).images[0]!.id,
    );
    await legacy.close();
    await modern.close();
  });

  it("identical requests from different sessions and eras at the same time call OpenAI once", async () => {
    await fake.addFault({ kind: "slow", path: "/v1/images/generations", delayMs: 500 });
    const sessions = [await connect(), await connect(), await connectModern(), await connectModern()];
    const results = await Promise.all(
      sessions.map((c) => c.callTool({ name: "generate_image", arguments: { prompt: "many sessions, one bill", quality: "low" } })),
    );
    const outs = results.map(
      (r) => r.structuredContent as { images: Array<{ id: string }>; sharedInFlight: boolean; cost: { usd: number } },
    );
    expect(new Set(outs.map((o) => o.images[0]!.id)).size).toBe(1);
    expect(outs.filter((o) => o.sharedInFlight)).toHaveLength(3);
    expect(outs.filter((o) => o.cost.usd > 0)).toHaveLength(1);
    expect((await fake.requests()).filter((r) => r.path === "/v1/images/generations")).toHaveLength(1);
    for (const c of sessions) await c.close();
  });

  it("serves server/discover, resources/read and reports the stateless era in server_status", async () => {
    const record = await storeAsset({ bytes: await solidPng(9, 9, [1, 1, 1, 255]) });
    const modern = await connectModern();
    const status = (await modern.callTool({ name: "server_status", arguments: {} })).structuredContent as {
      era: { protocol: string; sessionMemory: boolean };
    };
    expect(status.era).toEqual(expect.objectContaining({ protocol: "2026-stateless", sessionMemory: false }));
    const read = await modern.readResource({ uri: `asset://images/${record.sha256}` });
    expect((read.contents[0] as { mimeType: string }).mimeType).toBe("image/png");
    const discover = await post(
      { jsonrpc: "2.0", id: 1, method: "server/discover", params: { _meta: envelope } },
      { "mcp-protocol-version": MODERN, "mcp-method": "server/discover" },
    );
    expect(discover.status).toBe(200);
    const body = await discover.text();
    expect(body).toContain("mcp-multimodal");
    await modern.close();
  });

  it("streams progress, and a 2026 client's cancellation ends only its own wait", async () => {
    const modern = await connectModern();
    const progress: number[] = [];
    const result = await modern.callTool(
      { name: "generate_image", arguments: { prompt: "modern progress" } },
      { onprogress: (p: { progress: number }) => progress.push(p.progress) },
    );
    expect(result.isError).toBeFalsy();
    expect(progress.length).toBeGreaterThan(0);

    await fake.reset();
    await fake.addFault({ kind: "slow", path: "/v1/images/generations", delayMs: 1500 });
    const storedAssets = async () => {
      let n = 0;
      for await (const _ of testServices().index.all()) n++;
      return n;
    };
    const before = await storedAssets();
    const controller = new AbortController();
    const pending = modern.callTool({ name: "generate_image", arguments: { prompt: "modern cancel" } }, { signal: controller.signal });
    setTimeout(() => controller.abort("user cancelled"), 300);
    await expect(pending).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 1800));
    const [request] = (await fake.requests()).filter((r) => r.path === "/v1/images/generations");
    // The job went on without the client and stored its result: asking again is a cache hit.
    expect(request?.status).toBe(200);
    const again = await modern.callTool({ name: "generate_image", arguments: { prompt: "modern cancel" } });
    expect(again.structuredContent).toMatchObject({ cached: true });
    await modern.close();
  });

  it("confirms delete_asset through the input_required round trip", async () => {
    const record = await storeAsset({ bytes: await solidPng(7, 7, [3, 3, 3, 255]) });
    const modern = await connectModern({ elicitation: true });
    const questions: string[] = [];
    modern.setRequestHandler("elicitation/create", async (request: { params: { message: string } }) => {
      questions.push(request.params.message);
      return { action: "accept", content: { confirm: true } };
    });
    const result = await modern.callTool({ name: "delete_asset", arguments: { id: record.sha256 } });
    expect(result.structuredContent).toMatchObject({ deleted: true });
    expect(questions[0]).toContain(record.sha256);
    expect(await testServices().library.get(record.sha256)).toBeUndefined();
    await modern.close();
  });

  it("falls back to confirm: true for 2026 clients that cannot be asked", async () => {
    const record = await storeAsset({ bytes: await solidPng(6, 6, [2, 2, 2, 255]) });
    const modern = await connectModern();
    const refused = await modern.callTool({ name: "delete_asset", arguments: { id: record.sha256 } });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toContain("confirm: true");
    expect(
      (await modern.callTool({ name: "delete_asset", arguments: { id: record.sha256, confirm: true } })).structuredContent,
    ).toMatchObject({ deleted: true });
    await modern.close();
  });
});

describe("malformed 2026 requests get the spec's errors", () => {
  const call = { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "count_tokens", arguments: { text: "x" } } };

  it("a version header without the _meta envelope", async () => {
    const response = await post(call, { "mcp-protocol-version": MODERN, "mcp-method": "tools/call", "mcp-name": "count_tokens" });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe(-32602);
  });

  it("an envelope without the version header", async () => {
    const response = await post(
      { ...call, params: { ...call.params, _meta: envelope } },
      { "mcp-method": "tools/call", "mcp-name": "count_tokens" },
    );
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({
      code: -32020,
      message:
        "Bad Request: the request headers and body disagree: the body envelope names protocol version 2026-07-28 but the required MCP-Protocol-Version header is absent",
    });
  });

  it("headers that disagree with the body", async () => {
    const response = await post(
      { ...call, params: { ...call.params, _meta: envelope } },
      { "mcp-protocol-version": MODERN, "mcp-method": "tools/list", "mcp-name": "count_tokens" },
    );
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe(-32020);
    const wrongName = await post(
      { ...call, params: { ...call.params, _meta: envelope } },
      { "mcp-protocol-version": MODERN, "mcp-method": "tools/call", "mcp-name": "delete_asset" },
    );
    expect((await errorOf(wrongName)).code).toBe(-32020);
  });

  it("an unsupported version", async () => {
    const future = { ...envelope, "io.modelcontextprotocol/protocolVersion": "2031-01-01" };
    const response = await post(
      { ...call, params: { ...call.params, _meta: future } },
      { "mcp-protocol-version": "2031-01-01", "mcp-method": "tools/call", "mcp-name": "count_tokens" },
    );
    expect(response.status).toBe(400);
    expect((await errorOf(response)).message).toMatch(/unsupported|version/i);
  });

  it("auth, Origin and body-size refusals apply to the 2026 era too", async () => {
    const modernCall = { ...call, params: { ...call.params, _meta: envelope } };
    const headers = { "mcp-protocol-version": MODERN, "mcp-method": "tools/call", "mcp-name": "count_tokens" };
    expect((await post(modernCall, { ...headers, authorization: "Bearer nope-nope-nope-nope" })).status).toBe(401);
    expect((await post(modernCall, { ...headers, origin: "https://evil.example" })).status).toBe(403);
    const huge = { ...modernCall, params: { ...modernCall.params, arguments: { text: "x".repeat(5 * 1024 * 1024) } } };
    const tooBig = await post(huge, headers);
    expect(tooBig.status).toBe(413);
  });
});

describe("registration parity", () => {
  it("renders the same prompt in both eras", async () => {
    const legacy = await connect();
    const modern = await connectModern();
    const args = { subject: "a wooden chest", style: "pixel art" };
    const a = await legacy.getPrompt({ name: "game_asset", arguments: args });
    const b = await modern.getPrompt({ name: "game_asset", arguments: args });
    expect(b.messages).toEqual(a.messages);
    expect(JSON.stringify(a.messages)).toContain("a wooden chest");
    // A missing required argument is refused in both eras.
    await expect(legacy.getPrompt({ name: "game_asset", arguments: {} })).rejects.toThrow(/subject/);
    await expect(modern.getPrompt({ name: "game_asset", arguments: {} })).rejects.toThrow(/subject/);
    await legacy.close();
    await modern.close();
  });
});
