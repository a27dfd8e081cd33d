import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { storeAsset } from "../support/assets";
import { call, connect, connectModern, structured, textOf } from "../support/mcp";
import { solidPng } from "../support/png";

const BAD_CURSOR =
  "cursor: not a cursor from list_assets. Pass the cursor of the previous page unchanged, with the same kind filter, or leave it out to start from the newest.";

describe("list_assets cursor", () => {
  it("refuses a cursor it did not issue, naming the field and the fix, in both eras", async () => {
    await storeAsset({ bytes: await solidPng(4, 4, [9, 9, 9, 255]) });
    await storeAsset({ bytes: await solidPng(4, 4, [8, 8, 8, 255]) });
    const client = await connect();
    const legacy = await call(client, "list_assets", { limit: 1, cursor: "not-a-real-cursor" });
    expect(legacy.isError).toBe(true);
    expect(textOf(legacy)).toBe(BAD_CURSOR);
    const modern = await connectModern();
    const stateless = (await modern.callTool({
      name: "list_assets",
      arguments: { limit: 1, cursor: "not-a-real-cursor" },
    })) as CallToolResult;
    expect(stateless.isError).toBe(true);
    expect(textOf(stateless)).toBe(BAD_CURSOR);
    // The cursor it did issue still works, but not for a listing of another kind.
    const first = structured<{ cursor?: string }>(await call(client, "list_assets", { limit: 1 }));
    const otherKind = await call(client, "list_assets", { limit: 1, kind: "analysis", cursor: first.cursor });
    expect(textOf(otherKind)).toBe(BAD_CURSOR);
    const second = await call(client, "list_assets", { limit: 1, cursor: first.cursor });
    expect(second.isError).toBeFalsy();
    expect(textOf(second).split("\n")[0]).toMatch(/^1 asset\.( More follow: pass the cursor\.)?$/);
    await client.close();
    await modern.close();
  });
});
