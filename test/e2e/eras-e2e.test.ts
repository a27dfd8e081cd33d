// Both protocol eras end to end: one scenario, run over `wrangler dev` first with the SDK v1
// client (2025 session era, McpAgent Durable Object) and then with the SDK v2 client pinned to
// 2026-07-28 (stateless route). Both runs share one server, so the second era's paid calls are
// cache hits of the first; after both runs the recorded listings and structuredContent are
// compared call by call.
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import type { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePng } from "../../src/imaging/png-encoder";
import { REGISTRY } from "../../src/registry";
import { BUILD_3D_EXAMPLE } from "../../src/tools/models.tools";
import { SERVER_NAME, SERVER_VERSION } from "../../src/version";
import { FakeOpenAIControl } from "../fake-openai/control";
import { startLocalStack, type LocalStack } from "../support/local-stack";
import { connectStreamable, fromBase64, sha256Hex } from "./clients";

const TOKEN = "e2e-eras-token-0123456789abcdefghij";
const SIGNING_KEY = "e2e-eras-signing-key-0123456789abcdefghijkl";
const MODERN = "2026-07-28";

let stack: LocalStack | undefined;
let control: FakeOpenAIControl;
let base: string;
const open: EraClient[] = [];

async function teardown(): Promise<void> {
  await Promise.allSettled(open.splice(0).map((c) => c.close()));
  await stack?.stop();
  stack = undefined;
}

beforeAll(async () => {
  stack = await startLocalStack({ token: TOKEN, signingKey: SIGNING_KEY });
  control = stack.control;
  base = stack.base;
}, 120_000);

afterAll(teardown, 30_000);

// ---------------------------------------------------------------------------------------------
// The era-neutral client facade: the scenario sees only this, never an SDK type.

interface ToolInfo {
  name: string;
  title?: string;
  description?: string;
  annotations?: Record<string, unknown>;
  inputSchema: { properties?: Record<string, unknown>; required?: string[] };
  outputSchema?: { properties?: Record<string, unknown>; required?: string[] };
}
interface TemplateInfo {
  uriTemplate: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}
interface PromptInfo {
  name: string;
  title?: string;
  description?: string;
  arguments?: Array<{ name: string; required?: boolean; description?: string }>;
}
interface ToolResult {
  isError?: boolean;
  content: Array<{ type: string; text?: string; uri?: string; mimeType?: string }>;
  structuredContent?: unknown;
}
interface ResourceContent {
  uri: string;
  mimeType?: string;
  blob?: string;
  text?: string;
}

interface EraClient {
  label: string;
  serverName?: string;
  listTools(): Promise<ToolInfo[]>;
  listResourceTemplates(): Promise<TemplateInfo[]>;
  listPrompts(): Promise<PromptInfo[]>;
  getPrompt(name: string, args: Record<string, string>): Promise<{ messages: unknown[] }>;
  callTool(name: string, args: Record<string, unknown>): Promise<ToolResult>;
  readResource(uri: string): Promise<ResourceContent[]>;
  close(): Promise<void>;
}

/** Walks `nextCursor` pages, whichever SDK answers. */
async function allPages<T>(page: (cursor?: string) => Promise<{ items: T[]; nextCursor?: string }>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const result = await page(cursor);
    out.push(...result.items);
    cursor = result.nextCursor;
  } while (cursor);
  return out;
}

function legacyFacade(client: LegacyClient): EraClient {
  return {
    label: "2025 session (SDK v1)",
    serverName: client.getServerVersion()?.name,
    listTools: () =>
      allPages(async (cursor) =>
        client.listTools(cursor ? { cursor } : undefined).then((r) => ({ items: r.tools as ToolInfo[], nextCursor: r.nextCursor })),
      ),
    listResourceTemplates: () =>
      allPages(async (cursor) =>
        client
          .listResourceTemplates(cursor ? { cursor } : undefined)
          .then((r) => ({ items: r.resourceTemplates as TemplateInfo[], nextCursor: r.nextCursor })),
      ),
    listPrompts: () =>
      allPages(async (cursor) =>
        client.listPrompts(cursor ? { cursor } : undefined).then((r) => ({ items: r.prompts as PromptInfo[], nextCursor: r.nextCursor })),
      ),
    getPrompt: (name, args) => client.getPrompt({ name, arguments: args }),
    callTool: async (name, args) => (await client.callTool({ name, arguments: args })) as ToolResult,
    readResource: async (uri) => (await client.readResource({ uri })).contents as ResourceContent[],
    close: () => client.close(),
  };
}

async function connectLegacy(): Promise<EraClient> {
  return legacyFacade(await connectStreamable(base, TOKEN));
}

async function connectModern(): Promise<EraClient> {
  const client = new ModernClient(
    { name: "e2e-client-2026", version: "1.0.0" },
    { versionNegotiation: { mode: { pin: MODERN } }, capabilities: {} },
  );
  const transport = new ModernTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } });
  await client.connect(transport);
  // The pin must really have put the client on the stateless era, not a silent fallback.
  expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
  return {
    label: "2026-07-28 stateless (SDK v2)",
    serverName: client.getServerVersion()?.name,
    // Without a cursor the v2 client already walks every page.
    listTools: async () => (await client.listTools()).tools as ToolInfo[],
    listResourceTemplates: async () => (await client.listResourceTemplates()).resourceTemplates as TemplateInfo[],
    listPrompts: async () => (await client.listPrompts()).prompts as PromptInfo[],
    getPrompt: (name, args) => client.getPrompt({ name, arguments: args }),
    callTool: async (name, args) => (await client.callTool({ name, arguments: args })) as ToolResult,
    readResource: async (uri) => (await client.readResource({ uri })).contents as ResourceContent[],
    close: () => client.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// What one run records.

type AssetView = {
  id: string;
  kind: string;
  mimeType: string;
  bytes: number;
  width?: number;
  height?: number;
  uri: string;
  downloadUrl: string;
  createdAt: string;
};
type ImageOut = {
  images: AssetView[];
  parents: string[];
  cached: boolean;
  sharedInFlight: boolean;
  cost: { usd: number; originalUsd: number };
};
type AnalysisOut = {
  answer: string;
  images: Array<{ id: string }>;
  cached: boolean;
  sharedInFlight: boolean;
  cost: { usd: number; originalUsd: number };
  analysis: AssetView;
};
type VerdictOut = {
  imageId: string;
  matches: boolean;
  score: number;
  differences: string[];
  summary: string;
  costUsd: number;
  cached: boolean;
  analysisId: string;
};
type StatusOut = {
  server: { name: string; version: string };
  era: { protocol: string; sessionMemory: boolean; detail: string };
  assets: Record<string, { count: number; bytes: number }>;
  spending: { day: string; spentUsd: number };
};

interface RecordedCall {
  tool: string;
  args: Record<string, unknown>;
  structured: unknown;
  /** The content blocks' shape: type, and for links and images what they point at (the text summary says "from the cache" on a hit). */
  blocks: string[];
}

interface EraRun {
  label: string;
  tools: ToolInfo[];
  templates: TemplateInfo[];
  prompts: PromptInfo[];
  renderedPrompts: Record<string, unknown[]>;
  /** Keyed by a step label; the same label in both eras means the same call with the same arguments. */
  calls: Map<string, RecordedCall>;
  toolsCalled: Set<string>;
  resourceRead: { uri: string; mimeType?: string; sha256: string; bytes: number };
  analysisRead: { mimeType?: string; json: unknown };
  download: { status: number; contentType: string | null; sha256: string; bytes: number };
  upstream: { generations: number; edits: number; responses: number };
}

const VERDICT = { matches: false, score: 0.42, differences: ["The apple is green, not red."], summary: "Close, but the colour is wrong." };
const GENERATE = { prompt: "A red apple on a white table, flat illustration", size: "1024x1024", quality: "low" };
const DISPOSABLE = { prompt: "A throwaway grey cube, made only to be deleted", size: "1024x1024", quality: "low" };
/** Made as a job (wait_seconds: 0), then deleted, so each era runs the job anew. */
const JOBBED = { prompt: "A green pear made as a job, then deleted", size: "1024x1024", quality: "low", wait_seconds: 0 };

async function upstreamCounts(): Promise<EraRun["upstream"]> {
  const requests = await control.requests();
  const count = (path: string) => requests.filter((r) => r.path === path).length;
  return { generations: count("/v1/images/generations"), edits: count("/v1/images/edits"), responses: count("/v1/responses") };
}

/** The one scenario both eras run, unchanged. Fails fast with the tool's message on any tool error. */
async function scenario(client: EraClient): Promise<EraRun> {
  const calls = new Map<string, RecordedCall>();
  const toolsCalled = new Set<string>();

  async function call<T>(step: string, tool: string, args: Record<string, unknown> = {}): Promise<T> {
    const result = await client.callTool(tool, args);
    const text = result.content.map((b) => (b.type === "text" ? b.text : `[${b.type}]`)).join("\n");
    if (result.isError) throw new Error(`[${client.label}] ${step}: ${tool}(${JSON.stringify(args).slice(0, 200)}) failed: ${text}`);
    if (result.structuredContent === undefined)
      throw new Error(`[${client.label}] ${step}: ${tool} returned no structuredContent: ${text}`);
    expect(calls.has(step), `step ${step} recorded twice`).toBe(false);
    const blocks = result.content.map((b) => [b.type, b.mimeType, b.uri].filter(Boolean).join(" "));
    calls.set(step, { tool, args, structured: result.structuredContent, blocks });
    toolsCalled.add(tool);
    return result.structuredContent as T;
  }

  expect(client.serverName).toBe(SERVER_NAME);
  const before = await upstreamCounts();

  // Listings.
  const tools = await client.listTools();
  const templates = await client.listResourceTemplates();
  const prompts = await client.listPrompts();
  const renderedPrompts: Record<string, unknown[]> = {
    game_asset: (await client.getPrompt("game_asset", { subject: "a wooden chest", style: "pixel art" })).messages,
    review_screenshot: (await client.getPrompt("review_screenshot", { image: "0".repeat(64), focus: "the checkout form" })).messages,
  };

  // Free tools first: count_tokens also warms the encoder, so server_status reports the same in both eras.
  const tokens = await call<{ tokens: number; characters: number; encoding: string }>("count_tokens", "count_tokens", {
    text: "Hello, world!",
  });
  expect(tokens).toEqual({ tokens: 4, characters: 13, encoding: "o200k_base" });
  const status = await call<StatusOut>("server_status", "server_status");
  expect(status.server).toMatchObject({ name: SERVER_NAME, version: SERVER_VERSION });

  // Paid tools.
  const generated = await call<ImageOut>("generate_image", "generate_image", GENERATE);
  const image = generated.images[0]!;
  expect(image).toMatchObject({ kind: "image", mimeType: "image/png", width: 1024, height: 1024, uri: `asset://images/${image.id}` });

  const tinyPng = await encodePng({ width: 16, height: 16, alpha: true, rgba: (x, y) => [x * 16, y * 16, 200, 255] });
  const dataUrl = `data:image/png;base64,${Buffer.from(tinyPng).toString("base64")}`;
  const edited = await call<ImageOut>("edit_image", "edit_image", {
    prompt: "Put the small gradient tile next to the apple",
    images: [image.id, dataUrl],
    size: "1024x1024",
    quality: "low",
  });
  expect(edited.parents).toEqual([image.id, sha256Hex(tinyPng)]);
  expect(edited.images[0]!.id).not.toBe(image.id);

  const analysis = await call<AnalysisOut>("analyze_image", "analyze_image", {
    images: [image.id],
    question: "What fruit is shown?",
    detail: "low",
    max_output_tokens: 200,
  });
  expect(analysis.images.map((i) => i.id)).toEqual([image.id]);
  expect(analysis.analysis).toMatchObject({ kind: "analysis", mimeType: "application/json" });

  // Scripted in both runs so the scenario is the same; a cache hit leaves the script unused.
  await control.script(JSON.stringify(VERDICT));
  const verdict = await call<VerdictOut>("check_image", "check_image", {
    image: image.id,
    prompt: "A red apple on a white table",
    detail: "low",
  });
  expect(verdict).toMatchObject({ imageId: image.id, ...VERDICT });

  // The 3D compiler (no OpenAI): the second era is answered from the first era's cache entry.
  const model = await call<{ model: AssetView; report: { validator: { errors: number } } }>("build_3d_model", "build_3d_model", {
    spec: BUILD_3D_EXAMPLE,
    return: "none",
  });
  expect(model.model).toMatchObject({ kind: "model", mimeType: "model/gltf-binary" });
  expect(model.report.validator.errors).toBe(0);

  // Image processing (no OpenAI): the second era is answered from the first era's cache entry.
  const processed = await call<{ outputs: AssetView[] }>("process_image", "process_image", {
    image: image.id,
    operations: [{ op: "resize", width: 256, fit: "scale-down" }],
    format: "webp",
    return: "none",
  });
  expect(processed.outputs[0]).toMatchObject({ kind: "image", mimeType: "image/webp", width: 256, height: 256 });
  const info = await call<{ stored: boolean; assetId?: string }>("image_info", "image_info", { image: image.id });
  expect(info).toMatchObject({ format: "image/png", stored: true, assetId: image.id });
  // An upload link; the tile's bytes are stored already (edit_image kept its input), so the PUT answers 200.
  const { upload } = await call<{ upload: { url: string } }>("create_upload", "create_upload", {
    filename: "tile.png",
    mime_type: "image/png",
    bytes: tinyPng.length,
  });
  const put = await fetch(upload.url, { method: "PUT", body: tinyPng, headers: { "content-type": "image/png" } });
  expect(put.status).toBe(200);
  expect(await put.json()).toMatchObject({ id: sha256Hex(tinyPng), created: false });

  // The 3D planner loop (a planning call and a critique), then an edit of the compiled model (a planning call).
  const created = await call<{ report: { validator: { errors: number } } }>("create_3d_model", "create_3d_model", {
    description: "a small wooden crate",
    concept: false,
    refine_passes: 1,
    return: "none",
    wait_seconds: 120,
  });
  expect(created.report.validator.errors).toBe(0);
  const remodelled = await call<{ lineage: { editedFrom: string | null } }>("edit_3d_model", "edit_3d_model", {
    model: model.model.id,
    instruction: "add a knob on top",
    refine_passes: 0,
    return: "none",
    wait_seconds: 120,
  });
  expect(remodelled.lineage.editedFrom).toBe(model.model.id);

  // Asset tools.
  const listedImages = await call<{ assets: Array<{ id: string; tool: string }> }>("list_assets(kind=image)", "list_assets", {
    kind: "image",
  });
  expect(listedImages.assets.map((a) => a.id)).toEqual(expect.arrayContaining([image.id, edited.images[0]!.id, sha256Hex(tinyPng)]));
  await call("list_assets(all)", "list_assets", {});
  const got = await call<{ asset: AssetView & { downloadExpiresAt: string }; origin: { tool: string } }>("get_asset", "get_asset", {
    id: image.id,
  });
  expect(got.asset).toMatchObject({ id: image.id, bytes: image.bytes });
  expect(got.origin.tool).toBe("generate_image");
  const verified = await call<{ status: string }>("verify_asset", "verify_asset", { id: image.id });
  expect(verified.status).toBe("ok");

  // A resource read, and the signed download from get_asset.
  const [content, ...more] = await client.readResource(image.uri);
  expect(more).toEqual([]);
  const blob = fromBase64(content!.blob ?? "");
  const resourceRead = { uri: content!.uri, mimeType: content!.mimeType, sha256: sha256Hex(blob), bytes: blob.byteLength };
  expect(resourceRead).toEqual({ uri: image.uri, mimeType: "image/png", sha256: image.id, bytes: image.bytes });
  const [json] = await client.readResource(analysis.analysis.uri);
  const analysisRead = { mimeType: json!.mimeType, json: JSON.parse(json!.text ?? "null") as unknown };

  expect(got.asset.downloadUrl.startsWith(`${base}/assets/${image.id}.png?`)).toBe(true);
  const response = await fetch(got.asset.downloadUrl);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const download = {
    status: response.status,
    contentType: response.headers.get("content-type"),
    sha256: sha256Hex(bytes),
    bytes: bytes.byteLength,
  };
  expect(download).toEqual({ status: 200, contentType: "image/png", sha256: image.id, bytes: image.bytes });

  // delete_asset on an asset made for it (the same prompt in both eras: the fake renders the same bytes).
  const disposable = await call<ImageOut>("generate_image(disposable)", "generate_image", DISPOSABLE);
  const doomed = disposable.images[0]!.id;
  const deleted = await call("delete_asset", "delete_asset", { id: doomed, confirm: true });
  expect(deleted).toEqual({
    id: doomed,
    deleted: true,
    released: true,
    ownersLeft: 0,
    removed: { blob: true, record: true, cacheEntries: 1 },
  });
  const gone = await call<{ status: string }>("verify_asset(deleted)", "verify_asset", { id: doomed });
  expect(gone.status).toBe("missing");

  // Jobs: a zero wait returns a handle, get_job delivers the result, list_jobs lists the job, and
  // cancel_job on a finished job changes nothing.
  const handle = await call<{ job: { id: string; status: string } }>("generate_image(job)", "generate_image", JOBBED);
  expect(["queued", "running"]).toContain(handle.job.status);
  const fetched = await call<ImageOut & { job: { status: string } }>("get_job", "get_job", { job_id: handle.job.id, wait_seconds: 60 });
  expect(fetched.job.status).toBe("succeeded");
  const jobs = await call<{ jobs: Array<{ id: string }> }>("list_jobs", "list_jobs", { limit: 5 });
  expect(jobs.jobs.map((j) => j.id)).toContain(handle.job.id);
  const kept = await call<{ job: { status: string } }>("cancel_job", "cancel_job", { job_id: handle.job.id });
  expect(kept.job.status).toBe("succeeded");
  await call("delete_asset(job)", "delete_asset", { id: fetched.images[0]!.id, confirm: true });

  const after = await upstreamCounts();
  return {
    label: client.label,
    tools,
    templates,
    prompts,
    renderedPrompts,
    calls,
    toolsCalled,
    resourceRead,
    analysisRead,
    download,
    upstream: {
      generations: after.generations - before.generations,
      edits: after.edits - before.edits,
      responses: after.responses - before.responses,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Normalization for the comparison: only what legitimately differs between two identical calls.

/** Keys whose values are per-call times, or per-call cache and billing state (asserted on their own below). */
const VOLATILE = new Set(["checkedAt", "downloadExpiresAt", "cached", "sharedInFlight", "costUsd"]);
/** Per step, extra keys that differ by design: the disposable asset is made anew in each era. */
const VOLATILE_BY_STEP: Record<string, string[]> = {
  "generate_image(disposable)": ["createdAt"],
  // Jobs have their own ids, ages and timings; list_jobs also lists the other era's jobs (same token).
  "generate_image(job)": ["job"],
  get_job: ["job", "job_id", "createdAt"],
  list_jobs: ["jobs"],
  cancel_job: ["job", "job_id"],
  // A new signed, single-use link each time.
  create_upload: ["upload"],
};

function normalize(value: unknown, extra: ReadonlySet<string> = new Set()): unknown {
  if (Array.isArray(value)) return value.map((v) => normalize(v, extra));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      // verify_asset in the first era stamps the record that the second era then reads: present or not, it is a time.
      if (key === "lastVerifiedAt") continue;
      if (VOLATILE.has(key) || extra.has(key)) out[key] = "<varies>";
      else if (key === "cost" && v && typeof v === "object") out[key] = { ...(v as object), usd: "<varies>" };
      else if (key === "downloadUrl" && typeof v === "string") out[key] = v.replace(/\?.*$/, "?<signed>");
      else out[key] = normalize(v, extra);
    }
    return out;
  }
  return value;
}

function normalizedCall(step: string, recorded: RecordedCall): unknown {
  let structured = recorded.structured;
  if (recorded.tool === "server_status") {
    // The era differs by design, and the asset counts and the caller's spending grow with the first run's calls: asserted per era.
    const { era: _era, assets: _assets, spending: _spending, ...rest } = structured as StatusOut;
    structured = rest;
  }
  return normalize(structured, new Set(VOLATILE_BY_STEP[step] ?? []));
}

function toolShape(tools: ToolInfo[]) {
  return tools
    .map((t) => ({
      name: t.name,
      title: t.title,
      annotations: t.annotations,
      input: Object.keys(t.inputSchema.properties ?? {}).sort(),
      inputRequired: [...(t.inputSchema.required ?? [])].sort(),
      output: Object.keys(t.outputSchema?.properties ?? {}).sort(),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

// ---------------------------------------------------------------------------------------------

const runs: Partial<Record<"legacy" | "modern", EraRun>> = {};
const REGISTRY_TOOLS = REGISTRY.tools.map((t) => t.name).sort();

describe("era 2025 (SDK v1 client, session Durable Object)", () => {
  it("runs the scenario", async () => {
    const client = await connectLegacy();
    open.push(client);
    runs.legacy = await scenario(client);
    // Fresh server: every paid call reached the fake exactly once.
    expect(runs.legacy.upstream).toEqual({ generations: 3, edits: 1, responses: 5 });
    const status = runs.legacy.calls.get("server_status")!.structured as StatusOut;
    expect(status.era).toMatchObject({ protocol: "2025-session", sessionMemory: true });
    expect(status.assets.image).toEqual({ count: 0, bytes: 0 });
  });
});

describe("era 2026-07-28 (SDK v2 client pinned, stateless route)", () => {
  it("runs the same scenario", async () => {
    expect(runs.legacy, "the 2025 run must have finished first").toBeDefined();
    const client = await connectModern();
    open.push(client);
    runs.modern = await scenario(client);
    // Only the disposable and the job's image (whose cache entries the first run's deletes removed) went upstream again.
    expect(runs.modern.upstream).toEqual({ generations: 2, edits: 0, responses: 0 });
    const status = runs.modern.calls.get("server_status")!.structured as StatusOut;
    expect(status.era).toMatchObject({ protocol: "2026-stateless", sessionMemory: false });
    // It sees what the first run left: every image list_assets showed there, and both analyses.
    const firstImages = (runs.legacy!.calls.get("list_assets(kind=image)")!.structured as { assets: Array<{ bytes: number }> }).assets;
    expect(status.assets.image).toEqual({ count: firstImages.length, bytes: firstImages.reduce((n, a) => n + a.bytes, 0) });
    expect(status.assets.analysis?.count).toBe(2);
  });
});

describe("both eras compared", () => {
  const both = () => {
    const { legacy, modern } = runs;
    if (!legacy || !modern) throw new Error("an era's scenario did not complete; see its failure above");
    return { legacy, modern };
  };

  it("every registry tool was called in both eras", () => {
    const { legacy, modern } = both();
    expect([...legacy.toolsCalled].sort(), legacy.label).toEqual(REGISTRY_TOOLS);
    expect([...modern.toolsCalled].sort(), modern.label).toEqual(REGISTRY_TOOLS);
  });

  it("tools/list is the same: names, titles, annotations, input and output properties", () => {
    const { legacy, modern } = both();
    expect(legacy.tools.map((t) => t.name).sort()).toEqual(REGISTRY_TOOLS);
    expect(toolShape(modern.tools)).toEqual(toolShape(legacy.tools));
    expect(Object.fromEntries(modern.tools.map((t) => [t.name, t.description]))).toEqual(
      Object.fromEntries(legacy.tools.map((t) => [t.name, t.description])),
    );
  });

  it("resource templates and prompts are the same, and prompts render the same", () => {
    const { legacy, modern } = both();
    const templates = (list: TemplateInfo[]) =>
      list.map(({ uriTemplate, name, title, description, mimeType }) => ({ uriTemplate, name, title, description, mimeType }));
    expect(templates(legacy.templates).map((t) => t.uriTemplate)).toEqual(REGISTRY.resourceTemplates.map((t) => t.uriTemplate));
    expect(templates(modern.templates)).toEqual(templates(legacy.templates));
    const prompts = (list: PromptInfo[]) =>
      list.map(({ name, title, description, arguments: args }) => ({ name, title, description, arguments: args ?? [] }));
    expect(
      prompts(legacy.prompts)
        .map((p) => p.name)
        .sort(),
    ).toEqual(REGISTRY.prompts.map((p) => p.name).sort());
    expect(prompts(modern.prompts)).toEqual(prompts(legacy.prompts));
    expect(modern.renderedPrompts).toEqual(legacy.renderedPrompts);
  });

  it("identical calls give identical structuredContent (times, signatures and cache state normalized) and the same content blocks", () => {
    const { legacy, modern } = both();
    expect([...modern.calls.keys()]).toEqual([...legacy.calls.keys()]);
    for (const [step, first] of legacy.calls) {
      const second = modern.calls.get(step)!;
      const varies = new Set(VOLATILE_BY_STEP[step] ?? []);
      expect(normalize(second.args, varies), step).toEqual(normalize(first.args, varies));
      expect(normalizedCall(step, second), step).toEqual(normalizedCall(step, first));
      expect(second.blocks, `${step} content blocks`).toEqual(first.blocks);
    }
  });

  it("the second era's paid calls are cache hits of the first: no cost, same assets", () => {
    const { legacy, modern } = both();
    const pair = <T>(step: string) => [legacy.calls.get(step)!.structured as T, modern.calls.get(step)!.structured as T] as const;

    for (const step of ["generate_image", "edit_image"]) {
      const [a, b] = pair<ImageOut>(step);
      expect({ cached: a.cached, shared: a.sharedInFlight }, `${step} first era`).toEqual({ cached: false, shared: false });
      expect(a.cost.usd, step).toBeGreaterThan(0);
      expect(
        { cached: b.cached, shared: b.sharedInFlight, usd: b.cost.usd, originalUsd: b.cost.originalUsd },
        `${step} second era`,
      ).toEqual({ cached: true, shared: false, usd: 0, originalUsd: a.cost.usd });
      expect(
        b.images.map((i) => i.id),
        step,
      ).toEqual(a.images.map((i) => i.id));
      expect(
        b.images.map((i) => i.createdAt),
        step,
      ).toEqual(a.images.map((i) => i.createdAt));
    }

    const [a, b] = pair<AnalysisOut>("analyze_image");
    expect({ cached: a.cached, shared: a.sharedInFlight }).toEqual({ cached: false, shared: false });
    expect(a.cost.usd).toBeGreaterThan(0);
    expect({ cached: b.cached, shared: b.sharedInFlight, usd: b.cost.usd, originalUsd: b.cost.originalUsd }).toEqual({
      cached: true,
      shared: false,
      usd: 0,
      originalUsd: a.cost.usd,
    });
    expect(b.analysis.id).toBe(a.analysis.id);
    expect(b.answer).toBe(a.answer);

    const [va, vb] = pair<VerdictOut>("check_image");
    expect(va.cached).toBe(false);
    expect(va.costUsd).toBeGreaterThan(0);
    expect({ cached: vb.cached, costUsd: vb.costUsd, analysisId: vb.analysisId }).toEqual({
      cached: true,
      costUsd: 0,
      analysisId: va.analysisId,
    });

    // The disposable image: deleting it in the first era removed its cache entry, so the second era paid again.
    const [da, db] = pair<ImageOut>("generate_image(disposable)");
    expect([da.cached, db.cached]).toEqual([false, false]);
    expect(db.cost.usd).toBe(da.cost.usd);
    expect(db.images[0]!.id).toBe(da.images[0]!.id);
  });

  it("resources/read and the signed download give the same bytes in both eras", () => {
    const { legacy, modern } = both();
    expect(modern.resourceRead).toEqual(legacy.resourceRead);
    expect(modern.analysisRead).toEqual(legacy.analysisRead);
    expect(legacy.analysisRead).toMatchObject({ mimeType: "application/json", json: { tool: "analyze_image" } });
    expect(modern.download).toEqual(legacy.download);
  });

  it("server_status differs only in era (and the stored-asset counts)", () => {
    const { legacy, modern } = both();
    const a = legacy.calls.get("server_status")!.structured as StatusOut;
    const b = modern.calls.get("server_status")!.structured as StatusOut;
    expect(a.era.detail).not.toBe(b.era.detail);
    expect(Object.keys(b.assets).sort()).toEqual(Object.keys(a.assets).sort());
    // One token in both eras: one ledger, which only grows (the second era pays again for the disposable image).
    expect(b.spending.day).toBe(a.spending.day);
    expect(b.spending.spentUsd).toBeGreaterThanOrEqual(a.spending.spentUsd);
  });
});
