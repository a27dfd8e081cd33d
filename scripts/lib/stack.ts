// Shared by `npm run bench` and `npm run test:load`: the fake OpenAI upstream in this process,
// the real bundle under `wrangler dev`, and the two official MCP clients (SDK v1 for the 2025
// session era, SDK v2 pinned to 2026-07-28 for the stateless era) behind one small interface.
import { cpus, totalmem } from "node:os";
import { performance } from "node:perf_hooks";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { FakeOpenAIControl } from "../../test/fake-openai/control.ts";
import type { RunningFakeOpenAI } from "../../test/fake-openai/server.ts";
import { startLocalStack } from "../../test/support/local-stack.ts";
import type { WranglerDev } from "../../test/support/wrangler-dev.ts";

export const TOKEN = "bench-token-0123456789abcdefghij";
export const SIGNING_KEY = "bench-signing-key-0123456789abcdefghijklmnop";

export type Era = "2025" | "2026";
export const ERAS: readonly Era[] = ["2025", "2026"];

/** The parts of a tool result the scripts look at (both SDKs return this shape). */
export interface ToolResult {
  content: Array<{ type: string; text?: string; data?: string; mimeType?: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** Bytes of HTTP response bodies a client has received (SSE framing included). */
export interface ByteCounter {
  bytes: number;
}

export interface CallOptions {
  timeoutMs?: number;
  /** Asks for progress notifications (the server then streams partial images upstream). */
  onProgress?: (progress: { progress: number; total?: number }) => void;
}

/** One `notifications/message` the server sent (the bench reads its debug timings). */
export interface LogEntry {
  level: string;
  logger?: string;
  data: unknown;
}

export interface McpSession {
  era: Era;
  received: ByteCounter;
  /** Log messages received so far (2025 era: after `setLogLevel`). */
  logs: LogEntry[];
  /** `logging/setLevel` (the 2025 session era; the 2026 era sets levels per request). */
  setLogLevel?(level: "debug" | "info" | "warning"): Promise<void>;
  call(name: string, args?: Record<string, unknown>, options?: CallOptions): Promise<ToolResult>;
  close(): Promise<void>;
}

/** A fetch that counts the response body bytes it hands to the transport. */
function countingFetch(counter: ByteCounter): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!response.body) return response;
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          counter.bytes += chunk.byteLength;
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

const DEFAULT_TIMEOUT_MS = 120_000;

export async function connect(era: Era, base: string, token = TOKEN): Promise<McpSession> {
  const received: ByteCounter = { bytes: 0 };
  const url = new URL(`${base}/mcp`);
  const requestInit = { headers: { authorization: `Bearer ${token}` } };
  if (era === "2025") {
    const client = new LegacyClient({ name: "bench-2025", version: "1.0.0" });
    const logs: LogEntry[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      logs.push(notification.params);
    });
    await client.connect(new LegacyTransport(url, { requestInit, fetch: countingFetch(received) }));
    return {
      era,
      received,
      logs,
      setLogLevel: async (level) => {
        await client.setLoggingLevel(level);
      },
      call: async (name, args = {}, options = {}) =>
        (await client.callTool({ name, arguments: args }, undefined, {
          timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          ...(options.onProgress ? { onprogress: options.onProgress } : {}),
        })) as ToolResult,
      close: () => client.close(),
    };
  }
  const client = new ModernClient({ name: "bench-2026", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  await client.connect(new ModernTransport(url, { requestInit, fetch: countingFetch(received) }));
  return {
    era,
    received,
    logs: [],
    call: async (name, args = {}, options = {}) =>
      (await client.callTool(
        { name, arguments: args },
        { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, ...(options.onProgress ? { onprogress: options.onProgress } : {}) },
      )) as ToolResult,
    close: () => client.close(),
  };
}

export function textOf(result: ToolResult): string {
  return result.content.map((block) => (block.type === "text" ? (block.text ?? "") : `[${block.type}]`)).join("\n");
}

/** Calls a tool and fails with the tool's own message when it reports an error. */
export async function callOk(session: McpSession, name: string, args: Record<string, unknown> = {}): Promise<ToolResult> {
  const result = await session.call(name, args);
  if (result.isError) throw new Error(`${name} (${session.era}) failed: ${textOf(result)}`);
  return result;
}

/** One upstream request as the fake saw it: from arrival to the last byte of its answer (or the socket's end). */
export interface UpstreamTiming {
  path: string;
  start: number;
  end: number;
}

export interface Stack {
  base: string;
  fake: RunningFakeOpenAI;
  control: FakeOpenAIControl;
  server: WranglerDev;
  /** Upstream requests timed inside the fake, oldest first. */
  upstream: UpstreamTiming[];
  /** Milliseconds the fake spent on requests that started at or after `since` (performance.now()). */
  upstreamMsSince(since: number): number;
  stop(): Promise<void>;
}

/** Wraps the fake's request handler to time every /v1 request from arrival to the answer's end. */
function timeUpstream(fake: RunningFakeOpenAI, log: UpstreamTiming[]): void {
  const handle = fake.fake.handle.bind(fake.fake);
  fake.fake.handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://fake.invalid").pathname;
    if (path.startsWith("/v1/")) {
      const entry: UpstreamTiming = { path, start: performance.now(), end: Number.NaN };
      res.once("close", () => {
        entry.end = performance.now();
      });
      log.push(entry);
      if (log.length > 20_000) log.splice(0, log.length - 20_000);
    }
    handle(req, res);
  };
}

export async function startStack(extraVars: Record<string, string> = {}): Promise<Stack> {
  const local = await startLocalStack({ token: TOKEN, signingKey: SIGNING_KEY, vars: extraVars, timeoutMs: 120_000 });
  const upstream: UpstreamTiming[] = [];
  timeUpstream(local.fake, upstream);
  return {
    ...local,
    upstream,
    upstreamMsSince(since) {
      let total = 0;
      for (let i = upstream.length - 1; i >= 0; i--) {
        const entry = upstream[i]!;
        if (entry.start < since) break;
        total += (Number.isNaN(entry.end) ? performance.now() : entry.end) - entry.start;
      }
      return total;
    },
  };
}

/** Stops the stack on Ctrl-C or SIGTERM too, so no workerd outlives the script. */
export function stopOnSignal(stop: () => Promise<void>): void {
  const onSignal = (signal: NodeJS.Signals) => {
    void stop().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
}

// ---------------------------------------------------------------------------------------------
// Statistics and reporting

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  // Nearest rank: the value below which q of the samples fall.
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export interface Summary {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

export function machineInfo(): { cpu: string; cores: number; memoryGiB: number; node: string; platform: string; date: string } {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? "unknown",
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  };
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`;
}

export function kib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** A plain-text table with aligned columns (also valid Markdown). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

/** Parses `--name value`, `--name=value` and bare `--flag` arguments. */
export function parseArgs(argv: string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) continue;
    const eq = arg.indexOf("=");
    if (eq > 0) args.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--")) args.set(arg.slice(2), argv[++i]!);
    else args.set(arg.slice(2), "true");
  }
  return args;
}

export function intArg(args: Map<string, string>, name: string, fallback: number): number {
  const raw = args.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return value;
}
