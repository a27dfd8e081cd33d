import { describe, expect, it } from "vitest";
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { BASE, call, connect, SECOND_TOKEN, structured, TOKEN, worker } from "../support/mcp";

const listTools = (sessionId: string, token: string) =>
  worker(`${BASE}/mcp`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": sessionId,
      "mcp-protocol-version": "2025-06-18",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list" }),
  });

const sessionNotFound = { jsonrpc: "2.0", error: { code: -32001, message: "Session not found" }, id: null };

describe("a session belongs to the caller that opened it", () => {
  it("answers another caller's token with its session id with 404, and keeps serving the owner", async () => {
    const client = await connect({ token: TOKEN });
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
    expect(sessionId).toMatch(/^[0-9a-f]{64}$/);

    const intruder = await listTools(sessionId, SECOND_TOKEN);
    expect(intruder.status).toBe(404);
    expect(await intruder.json()).toEqual(sessionNotFound);

    // Ending the session is refused too: the intruder cannot close the owner's session.
    const ended = await worker(`${BASE}/mcp`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${SECOND_TOKEN}`, "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" },
    });
    expect(ended.status).toBe(404);

    const owner = await listTools(sessionId, TOKEN);
    expect(owner.status).toBe(200);
    expect(structured<{ tokens: number }>(await call(client, "count_tokens", { text: "still mine" })).tokens).toBe(2);
    await client.close();
  });

  it("refuses an initialize that names another caller's session id", async () => {
    const client = await connect({ token: TOKEN });
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
    const takeover = await worker(`${BASE}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${SECOND_TOKEN}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-session-id": sessionId,
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "intruder", version: "1" } },
      }),
    });
    expect(takeover.status).toBe(404);
    expect(await takeover.json()).toEqual(sessionNotFound);
    expect(structured<{ tokens: number }>(await call(client, "count_tokens", { text: "still mine" })).tokens).toBe(2);
    await client.close();
  });

  it("refuses another caller's messages to a legacy SSE session", async () => {
    const stream = await worker(`${BASE}/sse`, { headers: { authorization: `Bearer ${TOKEN}`, accept: "text/event-stream" } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    let text = "";
    while (!text.includes("sessionId=")) text += new TextDecoder().decode((await reader.read()).value);
    const endpoint = /data: (\S+)/.exec(text)![1]!;
    const post = (token: string) =>
      worker(`${BASE}${endpoint}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
        }),
      });
    const intruder = await post(SECOND_TOKEN);
    expect(intruder.status).toBe(404);
    expect(await intruder.json()).toEqual(sessionNotFound);
    const owner = await post(TOKEN);
    expect(owner.status).toBe(202);
    await reader.cancel();
  });
});
