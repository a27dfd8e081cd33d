import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { FakeOpenAIControl } from "../fake-openai/control";
import { testServices } from "../support/assets";
import { call, connect, connectModern, textOf } from "../support/mcp";

const fake = new FakeOpenAIControl(inject("fakeOpenAIUrl"));
beforeEach(() => fake.reset());

async function assetCount(): Promise<number> {
  let n = 0;
  for await (const _ of testServices().index.all()) n++;
  return n;
}

/** Each case: a tool, bad arguments, and the one message both eras must give. */
const CASES: Array<[string, Record<string, unknown>, string]> = [
  ["generate_image", { prompt: "a fox", n: 50 }, "Invalid arguments for generate_image: n: must be at most 10. Fix it and call again."],
  [
    "generate_image",
    { prompt: 42 },
    "Invalid arguments for generate_image: prompt: must be a string, not number 42. Fix it and call again.",
  ],
  ["count_tokens", {}, "Invalid arguments for count_tokens: text: required: give a string. Fix it and call again."],
  [
    "list_assets",
    { limit: "ten", kind: "video" },
    'Invalid arguments for list_assets: kind: must be one of "image", "analysis", "model"; limit: must be a number, not string "ten". Fix them and call again.',
  ],
  [
    "analyze_image",
    { images: ["x"], question: "why?", detail: "ultra" },
    'Invalid arguments for analyze_image: detail: must be one of "low", "high", "auto", "original". Fix it and call again.',
  ],
];

describe("a bad argument is a tool error naming the field and the fix, worded the same in both eras", () => {
  for (const [tool, args, expected] of CASES) {
    it(`${tool} ${JSON.stringify(args)}`, async () => {
      const before = await assetCount();
      const legacy = await connect();
      const modern = await connectModern();
      const old = await call(legacy, tool, args);
      const now = (await modern.callTool({ name: tool, arguments: args })) as CallToolResult;
      expect([old.isError, now.isError]).toEqual([true, true]);
      expect(textOf(old)).toBe(expected);
      expect(textOf(now)).toBe(expected);
      expect(await fake.requests()).toEqual([]);
      expect(await assetCount()).toBe(before);
      await legacy.close();
      await modern.close();
    });
  }

  it("tools/list still publishes each tool's real JSON Schema", async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    const generate = tools.find((t) => t.name === "generate_image");
    expect(generate?.inputSchema.required).toEqual(["prompt"]);
    expect((generate?.inputSchema.properties as Record<string, { maximum?: number }>)["n"]?.maximum).toBe(10);
    await client.close();
  });
});
