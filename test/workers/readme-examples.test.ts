import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { beforeEach, describe, expect, inject, it } from "vitest";
import readme from "../../README.md?raw";
import { FakeOpenAIControl } from "../fake-openai/control";
import { storeAsset } from "../support/assets";
import { BUILD_3D_EXAMPLE } from "../../src/tools/models.tools";
import { call, connect, structured, textOf } from "../support/mcp";
import { gradientPng, solidPng } from "../support/png";

const fake = new FakeOpenAIControl(inject("fakeOpenAIUrl"));
beforeEach(() => fake.reset());

/** Each tool row of the README's tool table: its name and the example arguments, as written. */
function toolExamples(): Array<{ tool: string; args: string }> {
  const rows = readme.split("\n").filter((line) => /^\| `[a-z0-9_]+` \|/.test(line));
  return rows.map((row) => {
    const cells = row.split(" | ");
    const tool = /`([a-z0-9_]+)`/.exec(cells[0]!)![1]!;
    const example = /`(\{.*\})`\s*\|?\s*$/.exec(row);
    if (!example) throw new Error(`README row for ${tool} has no example arguments`);
    return { tool, args: example[1]! };
  });
}

/** A GLB from an earlier result (build_3d_model, free), for the 3D edit example. */
async function buildModel(): Promise<string> {
  const client = await connect();
  const built = structured<{ model: { id: string } }>(await call(client, "build_3d_model", { spec: BUILD_3D_EXAMPLE }));
  await client.close();
  return built.model.id;
}

/** A job id from an earlier result: a generation on a miss, answered with a handle at once. */
async function startJob(): Promise<string> {
  const client = await connect();
  const started = (await call(client, "generate_image", {
    prompt: `a job for the README ${crypto.randomUUID()}`,
    wait_seconds: 0,
  })) as CallToolResult;
  await client.close();
  const job = (started.structuredContent as { job?: { id: string } }).job;
  if (!job) throw new Error(`generate_image with wait_seconds 0 returned no job handle: ${textOf(started)}`);
  return job.id;
}

describe("the README's example arguments work as written on the default models", () => {
  it("lists an example for every tool the server has", async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    expect(
      toolExamples()
        .map((e) => e.tool)
        .sort(),
    ).toEqual(tools.map((t) => t.name).sort());
    await client.close();
  });

  for (const { tool, args } of toolExamples()) {
    it(`${tool} ${args}`, async () => {
      // The placeholders a reader replaces: an id from an earlier result, and a mask of the same size.
      const image = await storeAsset({ bytes: await gradientPng(64, 64), width: 64, height: 64 });
      const another = await storeAsset({ bytes: await solidPng(64, 64, [20, 120, 200, 255]), width: 64, height: 64 });
      const mask = await storeAsset({ bytes: await solidPng(64, 64, [0, 0, 0, 0]), width: 64, height: 64 });
      const job = args.includes("<job id>") ? await startJob() : "";
      const model = args.includes("<model asset id>") ? await buildModel() : "";
      const filled = args
        .replaceAll("<job id>", job)
        .replaceAll("<model asset id>", model)
        .replaceAll("<mask asset id>", mask.sha256)
        .replaceAll("<another asset id>", another.sha256)
        .replaceAll("<asset id>", image.sha256);
      const client = await connect();
      // This client cannot be asked (no elicitation), so delete_asset gets the confirmation a user would give.
      const confirmation = tool === "delete_asset" ? { confirm: true } : {};
      const result = (await call(client, tool, { ...JSON.parse(filled), ...confirmation })) as CallToolResult;
      expect(result.isError ? textOf(result) : "ok").toBe("ok");
      await client.close();
    });
  }
});
