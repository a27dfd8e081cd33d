import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AssetIndex } from "../../src/store/asset-index";
import { AssetLibrary } from "../../src/store/asset-library";
import { BlobStore } from "../../src/store/blob-store";
import { RequestCache } from "../../src/store/request-cache";

// Its own file: storage is isolated per test file, so the listing sees only these assets.
const bytes = (text: string) => new TextEncoder().encode(text);

function makeLibrary(clock: () => Date) {
  const index = new AssetIndex(env.INDEX);
  return {
    library: new AssetLibrary(new BlobStore(env.ASSETS), index, new RequestCache(env.INDEX), env.REQUEST_COORDINATOR, clock),
    index,
  };
}

describe("AssetIndex listing", () => {
  it("lists newest first, by kind, tool and time, with a cursor", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const { library, index } = makeLibrary(() => new Date((now += 60_000)));
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { record } = await library.put({
        bytes: bytes(`asset ${i}`),
        kind: i % 2 ? "analysis" : "image",
        mime: i % 2 ? "application/json" : "image/png",
        origin: { tool: i === 4 ? "edit_image" : "generate_image" },
      });
      made.push(record.sha256);
    }
    const all = await index.list({ limit: 10 });
    expect(all.assets.map((a) => a.sha256)).toEqual([...made].reverse());
    expect(all.cursor).toBeUndefined();

    const images = await index.list({ kind: "image", limit: 10 });
    expect(images.assets.map((a) => a.sha256)).toEqual([made[4], made[2], made[0]]);

    const edits = await index.list({ tool: "edit_image", limit: 10 });
    expect(edits.assets.map((a) => a.sha256)).toEqual([made[4]]);

    const page1 = await index.list({ limit: 2 });
    expect(page1.assets).toHaveLength(2);
    expect(page1.cursor).toBeDefined();
    const page2 = await index.list({ limit: 2, cursor: page1.cursor });
    expect(page2.assets.map((a) => a.sha256)).toEqual([made[2], made[1]]);

    const since = all.assets[2]!.createdAt;
    const recent = await index.list({ limit: 10, since });
    expect(recent.assets.map((a) => a.sha256)).toEqual([made[4], made[3], made[2]]);
    const older = await index.list({ limit: 10, until: since });
    expect(older.assets.map((a) => a.sha256)).toEqual([made[2], made[1], made[0]]);
  });
});

describe("concurrent writes of the same new bytes", () => {
  it("create one record and one listing entry, and leave nothing after a delete", async () => {
    let now = Date.parse("2027-01-01T00:00:00Z");
    const { library, index } = makeLibrary(() => new Date((now += 1000)));
    const data = bytes("raced bytes");
    const results = await Promise.all(
      Array.from({ length: 4 }, () => library.put({ bytes: data, kind: "image", mime: "image/png", origin: { tool: "race" } })),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.record.createdAt)).size).toBe(1);
    const listed = (await index.list({ tool: "race", limit: 10 })).assets;
    expect(listed).toHaveLength(1);
    await library.delete(results[0]!.record);
    expect((await index.list({ tool: "race", limit: 10 })).assets).toHaveLength(0);
  });
});
