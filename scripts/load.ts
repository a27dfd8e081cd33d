// `npm run test:load [-- --ci] [--sessions N] [--calls N] [--seed N]`: many concurrent MCP
// sessions of both protocol eras make mixed calls against the real bundle under `wrangler dev`
// while the fake OpenAI upstream injects faults (429 with retry-after, 500/503, slow answers,
// dropped connections). Then it checks, and exits non-zero unless all hold:
//   1. every call either succeeded with a well-formed result, or failed with an isError result
//      whose text is one of the server's mapped upstream messages (no thrown transport errors,
//      timeouts, internal-error incidents or malformed results);
//   2. no distinct upstream request got two successful answers (identical requests, even from
//      different sessions at the same time, call OpenAI once; fault retries are attempts),
//      including requests whose clients abandoned the call: asked again afterwards, each one
//      gets the result its job stored (or the job's clear error), with no new upstream call;
//   3. the store is consistent: every listed record verifies (blob present, right hash), the
//      listing has no duplicates and matches the record count, every blob in R2 has its record,
//      every asset a successful call returned is still there, and every record has an owner
//      (unless it predates owners: `ownership.legacy`);
//   4. the caller's spending ledger is consistent: what it settled today equals the sum of what
//      each distinct paid request's job was billed (the cost its results report), and no
//      reservation is left open.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import sharp from "sharp";
import type { FaultSpec, RecordedRequest } from "../test/fake-openai/control.ts";
import {
  callOk,
  connect,
  intArg,
  machineInfo,
  parseArgs,
  startStack,
  stopOnSignal,
  textOf,
  type Era,
  type McpSession,
  type Stack,
  type ToolResult,
} from "./lib/stack.ts";

const args = parseArgs(process.argv.slice(2));
const ci = args.has("ci");
const SESSIONS = intArg(args, "sessions", ci ? 32 : 48);
const CALLS = intArg(args, "calls", ci ? 240 : 600);
const SEED = intArg(args, "seed", 7);
const CALL_TIMEOUT_MS = intArg(args, "call-timeout-ms", 60_000);
/** One fault is kept queued per upstream path while the load runs. */
const FAULT_INTERVAL_MS = intArg(args, "fault-interval-ms", 150);

const GEN = "/v1/images/generations";
const EDIT = "/v1/images/edits";
const RESPONSES = "/v1/responses";

/** The server's own messages for upstream trouble: the only acceptable way for a call here to fail. */
const MAPPED_ERRORS: Array<[string, RegExp]> = [
  ["rate limited", /^OpenAI rate limit reached/],
  ["upstream 5xx", /^OpenAI had a server error \(HTTP 5\d\d\)/],
  ["connection dropped", /^Could not reach OpenAI or the connection dropped/],
  ["upstream timeout", /^OpenAI did not answer in time/],
  ["unreadable answer", /^OpenAI returned a response that could not be read/],
  ["no image returned", /^OpenAI finished without returning an image/],
  ["jobs kept replacing each other", /^Identical requests kept replacing each other's jobs/],
  ["job lost", /^The job stopped without a result/],
];

/** A share of paid calls whose client gives up after a moment: the job must finish and store regardless. */
const ABANDON_SHARE = 0.15;

// ---------------------------------------------------------------------------------------------
// Deterministic plan

function rng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

type Op =
  | { tool: "generate_image"; args: Record<string, unknown>; progress: boolean; abandonAfterMs?: number }
  | { tool: "edit_image" | "analyze_image"; args: Record<string, unknown>; progress?: false; abandonAfterMs?: number }
  | { tool: "count_tokens" | "list_assets"; args: Record<string, unknown>; progress?: false }
  | { tool: "get_asset" | "verify_asset"; args: Record<string, unknown>; progress?: false; knownId: true };

const GEN_PROMPTS = [
  "Load test: a lighthouse at dusk, flat vector art",
  "Load test: a bowl of ramen, watercolour",
  "Load test: a robot reading a newspaper, ink sketch",
  "Load test: a cactus in a blue pot, isometric",
  "Load test: a paper boat on a puddle, photo",
];
const EDIT_PROMPTS = ["Add a small red bird in the corner", "Make it look like winter", "Turn the background into a night sky"];
const QUESTIONS = ["What is the main colour? One word.", "Describe the image in one sentence.", "Is there any text in the image?"];

/** Whether (and when) the client of a paid call gives up: 100–1,500 ms in, for ABANDON_SHARE of them. */
function abandon(random: () => number): { abandonAfterMs?: number } {
  return random() < ABANDON_SHARE ? { abandonAfterMs: 100 + Math.floor(random() * 1400) } : {};
}

/**
 * Calls are planned in blocks of SESSIONS: within a block every generate_image asks for one of
 * two prompts, every edit for one of two edits and every analysis one question, so identical
 * requests are dispatched by different sessions at the same moment. Prompts repeat across
 * blocks (within a set of 4 blocks), so later blocks also hit the cache.
 */
function buildPlan(total: number, sessions: number, baseId: string, inputs: string[], random: () => number): Op[] {
  const plan: Op[] = [];
  for (let i = 0; i < total; i++) {
    const block = Math.floor(i / sessions);
    // A new set of texts every 4 blocks keeps misses (and upstream calls) coming in long runs.
    const set = ` [set ${Math.floor(block / 4)}]`;
    const r = random();
    const pair = i % 2;
    if (r < 0.32) {
      const prompt = GEN_PROMPTS[(block * 2 + pair) % GEN_PROMPTS.length]! + set;
      plan.push({
        tool: "generate_image",
        args: { prompt, size: "1024x1024", quality: "low" },
        progress: random() < 0.25,
        ...abandon(random),
      });
    } else if (r < 0.42) {
      // The same new input in two different edits at once: both store it.
      const images = random() < 0.5 ? [baseId] : [baseId, inputs[block % inputs.length]!];
      plan.push({
        tool: "edit_image",
        args: { prompt: EDIT_PROMPTS[(block + pair) % EDIT_PROMPTS.length]! + set, images, size: "1024x1024", quality: "low" },
        ...abandon(random),
      });
    } else if (r < 0.56) {
      // Two different questions at once about the same image, which may be a new input: both store it.
      const images = random() < 0.5 ? [baseId] : [inputs[Math.floor(block / 4) % inputs.length]!];
      plan.push({
        tool: "analyze_image",
        args: { images, question: QUESTIONS[(block + pair) % QUESTIONS.length]! + set, detail: "low", max_output_tokens: 100 },
        ...abandon(random),
      });
    } else if (r < 0.7) {
      plan.push({ tool: "get_asset", args: { return: "preview" }, knownId: true });
    } else if (r < 0.8) {
      plan.push({ tool: "list_assets", args: { limit: 20 } });
    } else if (r < 0.9) {
      plan.push({ tool: "verify_asset", args: {}, knownId: true });
    } else {
      plan.push({ tool: "count_tokens", args: { text: `Load test call ${i}: how many tokens is this sentence?` } });
    }
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Checking results

const HEX64 = /^[0-9a-f]{64}$/;

/** Asset ids a successful result names (results, analyses and inputs), or a reason it is malformed. */
function checkResult(tool: string, result: ToolResult): { ids: string[] } | { malformed: string } {
  const s = result.structuredContent as Record<string, any> | undefined;
  if (!s) return { malformed: "no structuredContent" };
  if (!Array.isArray(result.content) || result.content.length === 0) return { malformed: "no content blocks" };
  const ids = (list: unknown): string[] => (Array.isArray(list) ? list.map((x: any) => x?.id) : []);
  switch (tool) {
    case "generate_image":
    case "edit_image": {
      const images = ids(s["images"]);
      if (images.length !== 1 || !images.every((id) => HEX64.test(id)))
        return { malformed: `images: ${JSON.stringify(s["images"])?.slice(0, 200)}` };
      if (typeof s["cached"] !== "boolean") return { malformed: "cached missing" };
      if (!result.content.some((b) => b.type === "image")) return { malformed: "no preview image block" };
      return { ids: [...images, ...((s["parents"] as string[]) ?? [])] };
    }
    case "analyze_image": {
      if (typeof s["answer"] !== "string" || !HEX64.test(s["analysis"]?.id)) return { malformed: "answer or analysis missing" };
      return { ids: [s["analysis"].id, ...ids(s["images"])] };
    }
    case "get_asset":
      return HEX64.test(s["asset"]?.id) ? { ids: [s["asset"].id] } : { malformed: "asset missing" };
    case "verify_asset":
      return s["status"] === "ok" ? { ids: [s["id"]] } : { malformed: `verify status ${s["status"]}: ${s["detail"]}` };
    case "list_assets":
      return Array.isArray(s["assets"]) ? { ids: [] } : { malformed: "assets missing" };
    case "count_tokens":
      return typeof s["tokens"] === "number" && s["tokens"] > 0 ? { ids: [] } : { malformed: "tokens missing" };
    default:
      return { malformed: `unexpected tool ${tool}` };
  }
}

interface Outcome {
  tool: string;
  era: Era;
  ok: boolean;
  /** For failures: "mapped:<kind>" (a clear error) or "unexpected" (a real failure). */
  failure?: string;
  detail?: string;
  cached?: boolean;
  shared?: boolean;
  /** The client gave up before the answer came (its job went on). */
  abandoned?: boolean;
  ms: number;
}

/** A paid call that outlasted its wait returns a job handle: follow it with get_job to the result. */
async function followJob(client: McpSession, result: ToolResult): Promise<ToolResult> {
  let current = result;
  for (let round = 0; round < 4; round++) {
    const s = current.structuredContent as { job?: { id: string; status: string }; images?: unknown; answer?: unknown } | undefined;
    if (current.isError || !s?.job || s.images !== undefined || s.answer !== undefined) return current;
    current = await client.call("get_job", { job_id: s.job.id, wait_seconds: 60 }, { timeoutMs: 90_000 });
  }
  return current;
}

/** Fills in an outcome from a finished call: ok with the ids it returned, a mapped error, or unexpected. */
function judge(tool: string, result: ToolResult, outcome: Outcome, knownIds: string[], returnedIds: Set<string>): void {
  if (result.isError) {
    const text = textOf(result);
    const mapped = MAPPED_ERRORS.find(([, pattern]) => pattern.test(text));
    outcome.failure = mapped ? `mapped:${mapped[0]}` : "unexpected";
    outcome.detail = text.slice(0, 300);
    return;
  }
  const checked = checkResult(tool, result);
  if ("malformed" in checked) {
    outcome.failure = "unexpected";
    outcome.detail = `malformed ${tool} result: ${checked.malformed}`;
    return;
  }
  outcome.ok = true;
  outcome.cached = result.structuredContent?.["cached"] as boolean | undefined;
  outcome.shared = result.structuredContent?.["sharedInFlight"] as boolean | undefined;
  for (const id of checked.ids) {
    if (!returnedIds.has(id)) knownIds.push(id);
    returnedIds.add(id);
  }
}

// ---------------------------------------------------------------------------------------------
// Faults

const FAULT_MENU: Array<Omit<FaultSpec, "path">> = [
  { kind: "rate_limit", retryAfter: 1 },
  { kind: "server_error", status: 500 },
  { kind: "slow", delayMs: 1500 },
  { kind: "drop" },
  { kind: "server_error", status: 503 },
];

/** Keeps about one fault queued per upstream path; returns a stop function. */
function injectFaults(stack: Stack): { stop(): Promise<void>; injected: Record<string, number> } {
  const injected: Record<string, number> = {};
  let turn = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const stats = await stack.control.stats();
      if (stats.faultsPending < 3) {
        const path = [GEN, EDIT, RESPONSES][turn % 3]!;
        const fault = FAULT_MENU[Math.floor(turn / 3) % FAULT_MENU.length]!;
        await stack.control.addFault({ ...fault, path });
        const key = fault.kind === "server_error" ? `server_error ${fault.status}` : fault.kind;
        injected[key] = (injected[key] ?? 0) + 1;
        turn += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, FAULT_INTERVAL_MS));
    }
  })();
  return {
    injected,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** The identity of an upstream request: path plus body, without the streaming switches (one tool request, streamed or not). */
function upstreamKey(record: RecordedRequest): string {
  const strip = (value: unknown) => {
    if (!value || typeof value !== "object") return value;
    const { stream: _s, partial_images: _p, ...rest } = value as Record<string, unknown>;
    return rest;
  };
  const body =
    record.json !== undefined
      ? strip(record.json)
      : { fields: strip(record.fields), files: record.files?.map((f) => `${f.field}:${f.sha256}`) };
  return `${record.method} ${record.path} ${JSON.stringify(sortKeys(body))}`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  return value;
}

// ---------------------------------------------------------------------------------------------
// Store consistency

interface R2Object {
  key: string;
  sha256: string | undefined;
  blobSha256: string | undefined;
  size: number;
}

/** Every object in the local R2 bucket, read from wrangler dev's state folder, with its blob re-hashed. */
async function localR2Objects(stateDir: string): Promise<R2Object[]> {
  // node:sqlite is stable enough for reading; keep its experimental warning off the report.
  const emit = process.emitWarning;
  process.emitWarning = (() => undefined) as typeof process.emitWarning;
  const { DatabaseSync } = await import("node:sqlite");
  process.emitWarning = emit;
  const r2 = join(stateDir, "v3", "r2");
  const metaDir = join(r2, "miniflare-R2BucketObject");
  const blobDirs = readdirSync(r2)
    .filter((name) => name !== "miniflare-R2BucketObject")
    .map((name) => join(r2, name, "blobs"))
    .filter((dir) => existsSync(dir));
  const objects: R2Object[] = [];
  for (const file of readdirSync(metaDir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite")) {
    const db = new DatabaseSync(join(metaDir, file), { readOnly: true });
    try {
      const rows = db.prepare("SELECT key, blob_id, size FROM _mf_objects").all() as Array<{
        key: string;
        blob_id: string | null;
        size: number;
      }>;
      for (const row of rows) {
        const sha256 = /([0-9a-f]{64})\.[a-z0-9]+$/.exec(row.key)?.[1];
        const blobPath = row.blob_id ? blobDirs.map((dir) => join(dir, row.blob_id!)).find((p) => existsSync(p)) : undefined;
        const blobSha256 = blobPath ? createHash("sha256").update(readFileSync(blobPath)).digest("hex") : undefined;
        objects.push({ key: row.key, sha256, blobSha256, size: row.size });
      }
    } finally {
      db.close();
    }
  }
  return objects;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

async function checkStore(stack: Stack, checker: McpSession, returnedIds: Set<string>): Promise<{ lines: string[]; problems: string[] }> {
  const problems: string[] = [];
  const lines: string[] = [];
  // 1. Every listing entry, page by page, through the tool.
  const listed: string[] = [];
  const entries = new Map<string, string[]>();
  const unowned: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await callOk(checker, "list_assets", { limit: 100, ...(cursor ? { cursor } : {}) });
    const s = page.structuredContent as {
      assets: Array<{ id: string; tool: string; createdAt: string; ownership: { owners: number; legacy: boolean } }>;
      cursor?: string;
    };
    listed.push(...s.assets.map((a) => a.id));
    for (const a of s.assets) entries.set(a.id, [...(entries.get(a.id) ?? []), `${a.tool} ${a.createdAt}`]);
    // Every record made now has an owner; only records from before owners were recorded may have none.
    for (const a of s.assets) if (a.ownership.owners < 1 && !a.ownership.legacy) unowned.push(a.id);
    cursor = s.cursor;
    pages += 1;
  } while (cursor && pages < 1000);
  const distinct = new Set(listed);
  if (distinct.size !== listed.length) {
    const seen = new Set<string>();
    const dupes = new Set(listed.filter((id) => (seen.has(id) ? true : (seen.add(id), false))));
    const example = [...dupes][0]!;
    problems.push(
      `list_assets shows ${listed.length - distinct.size} duplicate entr${listed.length - distinct.size === 1 ? "y" : "ies"} for ${dupes.size} asset(s), ` +
        `e.g. ${example} listed as: ${entries.get(example)!.join("; ")}`,
    );
  }
  if (unowned.length) problems.push(`${unowned.length} record(s) have no owner (and are not legacy), e.g. ${unowned[0]}`);
  // 2. The record count the server keeps (server_status walks the `asset:` records).
  const status = await callOk(checker, "server_status", {});
  const counts = (status.structuredContent as { assets: Record<string, { count: number }> }).assets;
  const recordCount = Object.values(counts).reduce((n, c) => n + c.count, 0);
  if (recordCount !== distinct.size)
    problems.push(`server_status counts ${recordCount} records but list_assets lists ${distinct.size} distinct assets`);
  // 3. Every listed record: blob present with the right hash.
  const verified = await mapLimit([...distinct], 8, async (id) => {
    const result = await checker.call("verify_asset", { id });
    const s = result.structuredContent as { status?: string; detail?: string } | undefined;
    return { id, status: result.isError ? `error: ${textOf(result)}` : (s?.status ?? "no result"), detail: s?.detail };
  });
  const bad = verified.filter((v) => v.status !== "ok");
  for (const v of bad.slice(0, 10)) problems.push(`verify_asset ${v.id}: ${v.status} ${v.detail ?? ""}`);
  if (bad.length > 10) problems.push(`…and ${bad.length - 10} more assets that do not verify`);
  // 4. Nothing a successful call returned was lost.
  const lost = [...returnedIds].filter((id) => !distinct.has(id));
  if (lost.length) problems.push(`${lost.length} asset id(s) returned by successful calls are not in the store, e.g. ${lost[0]}`);
  // 5. Every blob has its record (R2 cannot be listed through the tools: read wrangler dev's local state).
  // Previews (previews/<sha256>.webp) are derived from their asset: they must have one, but hash to their own bytes.
  const all = await localR2Objects(stack.server.stateDir);
  const previews = all.filter((o) => o.key.startsWith("previews/"));
  const objects = all.filter((o) => !o.key.startsWith("previews/"));
  const orphans = [...objects, ...previews].filter((o) => !o.sha256 || !distinct.has(o.sha256));
  for (const o of orphans.slice(0, 10)) problems.push(`R2 object ${o.key} has no index record`);
  const corrupt = objects.filter((o) => o.sha256 !== o.blobSha256);
  for (const o of corrupt.slice(0, 10)) problems.push(`R2 object ${o.key} holds bytes hashing to ${o.blobSha256 ?? "(blob file missing)"}`);
  lines.push(
    `store: ${distinct.size} records listed over ${pages} page(s) (${unowned.length} without an owner), ${recordCount} counted by server_status, ${verified.length - bad.length}/${verified.length} verify ok; ` +
      `${objects.length} R2 objects (+${previews.length} previews), ${orphans.length} without a record, ${corrupt.length} with wrong bytes; ${returnedIds.size} ids returned by calls, ${lost.length} lost`,
  );
  return { lines, problems };
}

// ---------------------------------------------------------------------------------------------

async function tinyPng(seed: number): Promise<string> {
  const size = 64;
  const raw = Buffer.alloc(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    raw[i * 3] = (i * seed) % 256;
    raw[i * 3 + 1] = (i >> 6) * 4;
    raw[i * 3 + 2] = seed * 40;
  }
  const png = await sharp(raw, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString("base64")}`;
}

/** What each distinct paid request's job was billed: every result for it reports that bill in cost.originalUsd. */
class Bills {
  private readonly byRequest = new Map<string, number>();
  note(tool: string, args: Record<string, unknown>, result: ToolResult): void {
    if (result.isError) return;
    const bill = (result.structuredContent as { cost?: { originalUsd?: unknown } } | undefined)?.cost?.originalUsd;
    if (typeof bill === "number") this.byRequest.set(`${tool} ${JSON.stringify(sortKeys(args))}`, bill);
  }
  get totalUsd(): number {
    return Math.round([...this.byRequest.values()].reduce((a, b) => a + b, 0) * 1e6) / 1e6;
  }
  get requests(): number {
    return this.byRequest.size;
  }
}

/** The ledger through server_status: settled spending equals the bills, and nothing is still reserved. */
async function checkLedger(checker: McpSession, bills: Bills): Promise<{ lines: string[]; problems: string[] }> {
  const status = await callOk(checker, "server_status", {});
  const spending = (status.structuredContent as { spending: { spentUsd: number; reservedUsd: number; openReservations: number } }).spending;
  const problems: string[] = [];
  if (Math.abs(spending.spentUsd - bills.totalUsd) > 1e-6) {
    problems.push(`ledger settled $${spending.spentUsd} today, but the ${bills.requests} paid requests were billed $${bills.totalUsd}`);
  }
  if (spending.openReservations !== 0) {
    problems.push(`${spending.openReservations} reservation(s) still open ($${spending.reservedUsd}) after every job ended`);
  }
  return {
    lines: [
      `ledger: $${spending.spentUsd} settled today for ${bills.requests} distinct paid requests billed $${bills.totalUsd}; ${spending.openReservations} reservations open`,
    ],
    problems,
  };
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const machine = machineInfo();
  if (SESSIONS < 32) console.warn(`note: ${SESSIONS} sessions is below the 32 the load test is specified for.`);
  console.log(
    `load: ${SESSIONS} sessions (half 2025 SDK v1, half 2026 SDK v2), ${CALLS} calls, seed ${SEED}; starting the fake upstream and wrangler dev…`,
  );
  const stack = await startStack();
  stopOnSignal(stack.stop);
  const sessions: McpSession[] = [];
  let exitCode = 0;
  try {
    await stack.control.reset();
    const seeder = await connect("2025", stack.base);
    sessions.push(seeder);
    const base = await callOk(seeder, "generate_image", {
      prompt: "Load test base image: a plain teapot",
      size: "1024x1024",
      quality: "low",
    });
    const baseId = (base.structuredContent as { images: Array<{ id: string }> }).images[0]!.id;
    const bills = new Bills();
    bills.note("generate_image", { prompt: "Load test base image: a plain teapot", size: "1024x1024", quality: "low" }, base);
    await callOk(seeder, "count_tokens", { text: "warm the encoder" });
    const inputs = await Promise.all([1, 2, 3, 4, 5].map(tinyPng));
    const plan = buildPlan(CALLS, SESSIONS, baseId, inputs, rng(SEED));
    const seedRequests = (await stack.control.requests()).length;

    const clients = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => connect(i % 2 === 0 ? "2025" : "2026", stack.base)));
    sessions.push(...clients);
    const knownIds: string[] = [baseId];
    const returnedIds = new Set<string>([baseId]);
    const outcomes: Outcome[] = [];
    const abandoned: Array<{ tool: string; args: Record<string, unknown> }> = [];
    const faults = injectFaults(stack);
    const loadStart = performance.now();
    let next = 0;
    await Promise.all(
      clients.map(async (client) => {
        while (next < plan.length) {
          const op = plan[next++]!;
          const toolArgs = { ...op.args };
          if ("knownId" in op) toolArgs["id"] = knownIds[Math.floor(Math.random() * knownIds.length)];
          const t = performance.now();
          const outcome: Outcome = { tool: op.tool, era: client.era, ok: false, ms: 0 };
          const giveUp = new AbortController();
          const abandonAfterMs = "abandonAfterMs" in op ? op.abandonAfterMs : undefined;
          const timer = abandonAfterMs === undefined ? undefined : setTimeout(() => giveUp.abort("load: client gives up"), abandonAfterMs);
          try {
            const result = await client.call(op.tool, toolArgs, {
              timeoutMs: CALL_TIMEOUT_MS,
              signal: giveUp.signal,
              ...(op.progress ? { onProgress: () => undefined } : {}),
            });
            clearTimeout(timer);
            const final = await followJob(client, result);
            bills.note(op.tool, toolArgs, final);
            judge(op.tool, final, outcome, knownIds, returnedIds);
          } catch (error) {
            if (giveUp.signal.aborted) {
              outcome.abandoned = true;
              abandoned.push({ tool: op.tool, args: toolArgs });
            } else {
              outcome.failure = "unexpected";
              outcome.detail = `thrown: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`.slice(0, 300);
            }
          }
          outcome.ms = performance.now() - t;
          outcomes.push(outcome);
        }
      }),
    );
    const loadSeconds = (performance.now() - loadStart) / 1000;
    await faults.stop();

    // Every abandoned call, asked again: its job went on, so the answer is stored (or the job's clear error).
    const reasked: Outcome[] = [];
    const asker = await connect("2026", stack.base);
    sessions.push(asker);
    await mapLimit(abandoned, 8, async ({ tool, args }) => {
      const outcome: Outcome = { tool, era: asker.era, ok: false, ms: 0 };
      const t = performance.now();
      try {
        const final = await followJob(asker, await asker.call(tool, { ...args, wait_seconds: 120 }, { timeoutMs: 150_000 }));
        bills.note(tool, args, final);
        judge(tool, final, outcome, knownIds, returnedIds);
      } catch (error) {
        outcome.failure = "unexpected";
        outcome.detail = `thrown on re-ask: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300);
      }
      outcome.ms = performance.now() - t;
      reasked.push(outcome);
    });

    // Upstream: attempts and successful answers per distinct request body.
    const records = (await stack.control.requests()).slice(seedRequests);
    const stats = await stack.control.stats();
    const groups = new Map<string, { attempts: number; successes: number; path: string; faults: string[] }>();
    for (const record of records) {
      if (!record.path.startsWith("/v1/images") && record.path !== RESPONSES) continue;
      const key = upstreamKey(record);
      const group = groups.get(key) ?? { attempts: 0, successes: 0, path: record.path, faults: [] };
      group.attempts += 1;
      if (record.status === 200 && record.fault !== "drop") group.successes += 1;
      if (record.fault) group.faults.push(record.fault);
      groups.set(key, group);
    }
    const duplicates = [...groups.values()].filter((g) => g.successes > 1);
    const attemptsHistogram = new Map<number, number>();
    for (const g of groups.values()) attemptsHistogram.set(g.attempts, (attemptsHistogram.get(g.attempts) ?? 0) + 1);

    // The store, through the tools (and R2's local state for blobs without records).
    await stack.control.reset(); // no faults can reach the checks
    const checker = await connect("2025", stack.base);
    sessions.push(checker);
    const store = await checkStore(stack, checker, returnedIds);
    const ledger = await checkLedger(checker, bills);

    // ------------------------------------------------------------------------------------------
    const succeeded = outcomes.filter((o) => o.ok);
    const reaskedBad = reasked.filter((o) => o.failure === "unexpected");
    const clear = outcomes.filter((o) => o.failure?.startsWith("mapped:"));
    const unexpected = outcomes.filter((o) => o.failure === "unexpected");
    const byTool = new Map<string, { made: number; ok: number; clear: number; bad: number }>();
    for (const o of outcomes) {
      const t = byTool.get(o.tool) ?? { made: 0, ok: 0, clear: 0, bad: 0 };
      t.made += 1;
      if (o.ok) t.ok += 1;
      else if (o.abandoned) t.made -= 1;
      else if (o.failure === "unexpected") t.bad += 1;
      else t.clear += 1;
      byTool.set(o.tool, t);
    }
    const clearKinds = new Map<string, number>();
    for (const o of clear) clearKinds.set(o.failure!.slice(7), (clearKinds.get(o.failure!.slice(7)) ?? 0) + 1);
    const paid = succeeded.filter((o) => o.cached !== undefined);
    const latencies = outcomes.map((o) => o.ms).sort((a, b) => a - b);

    console.log("");
    console.log(`Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; ${machine.date}`);
    console.log(
      `calls made: ${outcomes.length} in ${loadSeconds.toFixed(1)} s by ${SESSIONS} sessions (${clients.filter((c) => c.era === "2025").length} × 2025, ${clients.filter((c) => c.era === "2026").length} × 2026); p50 ${latencies[Math.floor(latencies.length / 2)]?.toFixed(0)} ms, max ${latencies.at(-1)?.toFixed(0)} ms`,
    );
    console.log(
      `  succeeded: ${succeeded.length}  (paid tools: ${paid.filter((o) => o.cached).length} from the cache, ${paid.filter((o) => o.shared).length} shared an identical in-flight call, ${paid.filter((o) => !o.cached && !o.shared).length} led an upstream call)`,
    );
    console.log(
      `  failed with a clear error: ${clear.length}${clear.length ? `  (${[...clearKinds].map(([k, n]) => `${k} ${n}`).join(", ")})` : ""}`,
    );
    console.log(
      `  abandoned by their clients: ${outcomes.filter((o) => o.abandoned).length}; asked again afterwards: ${reasked.filter((o) => o.ok && (o.cached || o.shared)).length} answered from what their job stored, ${reasked.filter((o) => o.ok && !o.cached && !o.shared).length} paid anew (their job had failed), ${reasked.filter((o) => o.failure?.startsWith("mapped:")).length} clear errors, ${reaskedBad.length} failed any other way`,
    );
    for (const o of reaskedBad.slice(0, 10)) console.log(`    ✗ re-ask ${o.tool}: ${o.detail}`);
    console.log(`  failed any other way: ${unexpected.length}`);
    for (const o of unexpected.slice(0, 15)) console.log(`    ✗ ${o.tool} (${o.era}, ${o.ms.toFixed(0)} ms): ${o.detail}`);
    if (unexpected.length > 15) console.log(`    …and ${unexpected.length - 15} more`);
    console.log(
      `  by tool: ${[...byTool].map(([tool, t]) => `${tool} ${t.ok}/${t.made}${t.clear ? ` (+${t.clear} clear)` : ""}${t.bad ? ` (${t.bad} BAD)` : ""}`).join(", ")}`,
    );
    console.log(
      `faults injected: ${Object.entries(faults.injected)
        .map(([k, n]) => `${k} ${n}`)
        .join(", ")}; fake answered ${JSON.stringify(stats.byStatus)}`,
    );
    console.log(
      `upstream: ${records.length} requests for ${groups.size} distinct request bodies; attempts per distinct request ${[
        ...attemptsHistogram,
      ]
        .sort((a, b) => a[0] - b[0])
        .map(([n, c]) => `${n}×: ${c}`)
        .join(", ")}; ` + `${duplicates.length} with more than one successful answer`,
    );
    for (const g of duplicates.slice(0, 10))
      console.log(
        `    ✗ ${g.path}: ${g.successes} successful answers in ${g.attempts} attempts (faults: ${g.faults.join(", ") || "none"})`,
      );
    for (const line of store.lines) console.log(line);
    for (const problem of store.problems) console.log(`    ✗ ${problem}`);
    for (const line of ledger.lines) console.log(line);
    for (const problem of ledger.problems) console.log(`    ✗ ${problem}`);

    const failures = [
      unexpected.length ? `${unexpected.length} call(s) failed without a clear error` : "",
      reaskedBad.length ? `${reaskedBad.length} abandoned call(s) asked again failed without a clear error` : "",
      duplicates.length ? `${duplicates.length} request(s) were answered upstream more than once` : "",
      store.problems.length ? `${store.problems.length} store inconsistenc${store.problems.length === 1 ? "y" : "ies"}` : "",
      ledger.problems.length ? `${ledger.problems.length} ledger inconsistenc${ledger.problems.length === 1 ? "y" : "ies"}` : "",
    ].filter(Boolean);
    console.log(
      `load: ${failures.length ? `FAILED: ${failures.join("; ")}` : "OK"} (${((performance.now() - startedAt) / 1000).toFixed(1)} s in all)`,
    );
    exitCode = failures.length ? 1 : 0;
  } finally {
    await Promise.allSettled(sessions.map((s) => s.close()));
    await stack.stop();
  }
  process.exitCode = exitCode;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
