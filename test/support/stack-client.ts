// One local stack (fake OpenAI + `wrangler dev`) and one signed-in SDK client for an end-to-end
// test file: started before its tests, closed and stopped after them (Node side).
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll } from "vitest";
import { connectStreamable } from "../e2e/clients";
import { startLocalStack, type LocalStack } from "./local-stack";

export interface StackClient {
  /** The running stack; read inside a test (it starts in beforeAll). */
  readonly stack: LocalStack;
  /** A Streamable HTTP client signed in with the stack's team token. */
  readonly client: Client;
}

/** Registers the file's beforeAll and afterAll; the returned fields are ready once the tests run. */
export function useStackClient(options: { token: string; signingKey: string }): StackClient {
  let stack: LocalStack | undefined;
  let client: Client | undefined;
  beforeAll(async () => {
    stack = await startLocalStack(options);
    client = await connectStreamable(stack.base, options.token);
  }, 120_000);
  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await stack?.stop();
  }, 30_000);
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the ${what} is not started: read it inside a test, after beforeAll`);
    return value;
  };
  return {
    get stack() {
      return started(stack, "local stack");
    },
    get client() {
      return started(client, "MCP client");
    },
  };
}
