import { describe, expect, it } from "vitest";
import { storeAsset } from "../support/assets";
import { call, connect, structured } from "../support/mcp";

describe("results too large for Durable Object storage", () => {
  // McpAgent's default event store writes each outgoing message to DO storage; locally a
  // message over ~8 MB hangs the call (2 MB in production). The capped store keeps a stand-in.
  it("delivers a 12 MB tool result instead of hanging", async () => {
    const bytes = new Uint8Array(12 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
    const record = await storeAsset({ bytes, kind: "model", mime: "model/gltf-binary" });
    const client = await connect();
    const result = await call(client, "get_asset", { id: record.sha256, return: "full" });
    expect(structured<{ asset: { bytes: number } }>(result).asset.bytes).toBe(bytes.byteLength);
    const embedded = result.content.find((b) => b.type === "resource") as { resource: { blob: string } };
    expect(embedded.resource.blob.length).toBeGreaterThan(16_000_000);
    await client.close();
  }, 60_000);
});
