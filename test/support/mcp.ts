import { exports } from "cloudflare:workers";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";

export { ModernClient };

export const TOKEN = "test-token-one-0123456789";
/** The second configured token (vitest.config.ts sets both), for tests that tell callers apart. */
export const SECOND_TOKEN = "test-token-two-0123456789";
export const BASE = "http://localhost";

/** The Worker under test, called in-process: no network, real DOs, R2, KV and Images. */
export const worker = (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init));

export async function connect(options: { capabilities?: ConstructorParameters<typeof Client>[1]; token?: string } = {}): Promise<Client> {
  const client = new Client({ name: "test-client", version: "1.0.0" }, options.capabilities);
  const transport = new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), {
    fetch: worker,
    requestInit: { headers: { authorization: `Bearer ${options.token ?? TOKEN}` } },
  });
  await client.connect(transport);
  return client;
}

export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

export function textOf(result: CallToolResult): string {
  return result.content.map((block) => (block.type === "text" ? block.text : `[${block.type}]`)).join("\n");
}

export function structured<T = Record<string, unknown>>(result: CallToolResult): T {
  if (result.isError) throw new Error(`tool failed: ${textOf(result)}`);
  return result.structuredContent as T;
}

/** An SDK v2 client pinned to the 2026-07-28 stateless era, against the same Worker. */
export async function connectModern(options: { elicitation?: boolean; token?: string } = {}): Promise<ModernClient> {
  const client = new ModernClient(
    { name: "test-client-2026", version: "1.0.0" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } }, capabilities: options.elicitation ? { elicitation: { form: {} } } : {} },
  );
  const transport = new ModernTransport(new URL(`${BASE}/mcp`), {
    fetch: worker,
    requestInit: { headers: { authorization: `Bearer ${options.token ?? TOKEN}` } },
  });
  await client.connect(transport);
  return client;
}
