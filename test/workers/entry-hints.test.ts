import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/config";
import { cachedOutcome } from "../../src/jobs/job-records";
import { createServices } from "../../src/services";
import { ENTRY_HINTS, EntryHints } from "../../src/store/entry-hints";
import { gradientPng } from "../support/png";

const services = () => createServices(env, readConfig(env), "http://localhost", null);

async function storeImage(width: number): Promise<string> {
  const { record } = await services().library.put({
    bytes: await gradientPng(width, 8),
    kind: "image",
    mime: "image/png",
    width,
    height: 8,
    origin: { tool: "generate_image" },
  });
  return record.sha256;
}

describe("EntryHints", () => {
  it("keeps at most maxEntries hints, the oldest leaving first, and copies what it is given", () => {
    const hints = new EntryHints(2);
    const ids = ["a"];
    hints.set("h1", ids);
    ids.push("changed later");
    hints.set("h2", ["b"]);
    hints.set("h1", ["a"]); // refreshed: now the newest
    hints.set("h3", ["c"]); // h2 was the oldest
    expect(hints.get("h1")).toEqual(["a"]);
    expect(hints.get("h2")).toBeUndefined();
    expect(hints.get("h3")).toEqual(["c"]);
  });
});

describe("cachedOutcome with a hint", () => {
  it("answers with the assets the entry names now, not the ones hinted, when the entry changed (fresh: true)", async () => {
    const [first, second] = [await storeImage(11), await storeImage(12)];
    const hash = "hint-test-changed-entry";
    await services().cache.put(hash, { assetIds: [first], result: { n: 1 }, createdAt: "2026-11-29T00:00:00.000Z" });
    expect((await cachedOutcome(services(), hash))?.records.map((r) => r.sha256)).toEqual([first]);
    expect(ENTRY_HINTS.get(hash)).toEqual([first]);

    await services().cache.put(hash, { assetIds: [second], result: { n: 2 }, createdAt: "2026-11-29T00:00:01.000Z" });
    const hit = await cachedOutcome<{ n: number }>(services(), hash);
    expect(hit?.records.map((r) => r.sha256)).toEqual([second]);
    expect(hit?.result).toEqual({ n: 2 });
    expect(ENTRY_HINTS.get(hash)).toEqual([second]);
  });

  it("is a miss when a hinted asset was deleted, and when the entry is gone", async () => {
    const id = await storeImage(13);
    const hash = "hint-test-deleted";
    await services().cache.put(hash, { assetIds: [id], result: {}, createdAt: "2026-11-29T00:00:00.000Z" });
    expect(await cachedOutcome(services(), hash)).toBeDefined();

    const record = (await services().library.get(id))!;
    await services().library.delete(record);
    await services().cache.put(hash, { assetIds: [id], result: {}, createdAt: "2026-11-29T00:00:00.000Z" });
    expect(await cachedOutcome(services(), hash)).toBeUndefined();

    await services().cache.delete(hash);
    expect(await cachedOutcome(services(), hash)).toBeUndefined();
    expect(ENTRY_HINTS.get(hash)).toBeUndefined();
  });
});
