import { DurableObjectEventStore } from "agents/mcp";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/** Durable Object storage caps a value at 2 MB in production; stay well under it. */
export const MAX_STORED_EVENT_BYTES = 1024 * 1024;

/**
 * McpAgent's default event store writes every outgoing message to DO storage so a
 * client can resume a stream; a message over the storage cap (a full-size image in
 * base64) makes that write fail and the call hang. Large messages are stored as a
 * small stand-in instead: live delivery is unchanged, and a client that reconnects
 * and replays gets a clear error telling it to call again (a cache hit, free).
 */
export class CappedEventStore extends DurableObjectEventStore {
  override storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    if (JSON.stringify(message).length <= MAX_STORED_EVENT_BYTES) return super.storeEvent(streamId, message);
    const id = "id" in message ? message.id : undefined;
    const standIn: JSONRPCMessage =
      id !== undefined
        ? {
            jsonrpc: "2.0",
            id,
            error: {
              code: -32000,
              message:
                "This result was too large to keep for replay after a reconnect. Call the tool again: the same request is answered from the cache at no cost.",
            },
          }
        : {
            jsonrpc: "2.0",
            method: "notifications/message",
            params: { level: "warning", data: "A large message was not kept for replay." },
          };
    return super.storeEvent(streamId, standIn);
  }
}
