import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import worker from "../../src/index";
import { BASE, ModernClient, TOKEN } from "./mcp";
import { StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";

/** Variables to set (a string) or remove (undefined) for one call of the Worker. */
export type EnvChanges = Record<string, string | undefined>;

/**
 * The Worker's own fetch handler over the test bindings with some variables changed:
 * the way to test configuration end to end. The stateless (2026) route reads the
 * changed env everywhere; the 2025 session Durable Object keeps the pool's own env.
 */
export function workerWith(changes: EnvChanges) {
  const changed = { ...env, ...changes } as Env;
  return (input: RequestInfo | URL, init?: RequestInit) => worker.fetch(new Request(input, init), changed, createExecutionContext());
}

/** A 2026-07-28 client of the Worker running with `changes` applied to its env. */
export async function connectModernWith(changes: EnvChanges): Promise<ModernClient> {
  const client = new ModernClient({ name: "test-client-env", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  const transport = new ModernTransport(new URL(`${BASE}/mcp`), {
    fetch: workerWith(changes),
    requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
  });
  await client.connect(transport);
  return client;
}
