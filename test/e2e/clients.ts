// Node-side MCP clients for the end-to-end test: the official SDK v1 client over the real
// network, against the bundle `wrangler dev` built.
import { createHash, createHmac } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

const CLIENT_INFO = { name: "e2e-client", version: "1.0.0" };

export async function connectStreamable(
  baseUrl: string,
  token: string,
  options?: ConstructorParameters<typeof Client>[1],
): Promise<Client> {
  const client = new Client(CLIENT_INFO, options);
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

/** Legacy HTTP+SSE: the token rides on both the event stream (GET) and the message POSTs. */
export async function connectSse(baseUrl: string, token: string): Promise<Client> {
  const client = new Client(CLIENT_INFO);
  const transport = new SSEClientTransport(new URL(`${baseUrl}/sse`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
    eventSourceInit: {
      fetch: (url, init) => {
        const headers = new Headers(init?.headers);
        headers.set("authorization", `Bearer ${token}`);
        return fetch(url, { ...init, headers });
      },
    },
  });
  await client.connect(transport);
  return client;
}

export function textOf(result: CallToolResult): string {
  return result.content.map((block) => (block.type === "text" ? block.text : `[${block.type}]`)).join("\n");
}

/** Calls a tool and returns its result, failing with the tool's own message when it reports an error. */
export async function callOk(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
  if (!result.structuredContent) throw new Error(`${name} returned no structuredContent: ${textOf(result)}`);
  return result;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function fromBase64(data: string): Uint8Array {
  return new Uint8Array(Buffer.from(data, "base64"));
}

/** Signs a download path the way the server does (HMAC-SHA256 over "path\nexpires"), to forge expired links. */
export function signDownload(baseUrl: string, path: string, key: string, expires: number): string {
  const sig = createHmac("sha256", key).update(`${path}\n${expires}`).digest("base64url");
  return `${baseUrl}${path}?exp=${expires}&sig=${sig}`;
}
