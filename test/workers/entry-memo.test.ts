import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/config";
import type { Caller } from "../../src/identity";
import { cachedOutcome } from "../../src/jobs/job-records";
import { createServices, type Services } from "../../src/services";
import { EntryMemo } from "../../src/store/entry-memo";
import { RequestCache } from "../../src/store/request-cache";
import type { LibraryMode } from "../../src/store/owners";
import { gradientPng } from "../support/png";

const services = (caller: Caller | null = null, library: LibraryMode = "team") =>
  createServices(env, { ...readConfig(env), library }, "http://localhost", caller);

async function storeImage(width: number, owner?: Caller): Promise<string> {
  const { record } = await services(owner ?? null).library.put({
    bytes: await gradientPng(width, 8),
    kind: "image",
    mime: "image/png",
    width,
    height: 8,
    origin: { tool: "generate_image" },
    ...(owner ? { owner: { id: owner.id } } : {}),
  });
  return record.sha256;
}

const entry = (assetIds: string[], n: number) => ({ assetIds, result: { n }, createdAt: "2026-11-29T00:00:00.000Z" });

/** Services whose request cache remembers into `memo` (the suite's other tests share the isolate's own). */
function withMemo(base: Services, memo: EntryMemo): Services {
  return { ...base, cache: new RequestCache(env.INDEX, undefined, memo) };
}

describe("EntryMemo", () => {
  it("keeps at most maxEntries, the oldest leaving first; forgets after its time and skips large entries", () => {
    const memo = new EntryMemo(2, 1000, 100);
    memo.set("k1", entry(["a"], 1), 0, 10);
    memo.set("k2", entry(["b"], 2), 0, 10);
    memo.set("k1", entry(["a"], 1), 0, 10); // refreshed: now the newest
    memo.set("k3", entry(["c"], 3), 0, 10); // k2 was the oldest
    expect(memo.get("k1", 10)?.assetIds).toEqual(["a"]);
    expect(memo.get("k2", 10)).toBeUndefined();
    expect(memo.get("k3", 999)?.assetIds).toEqual(["c"]);
    expect(memo.get("k3", 1000)).toBeUndefined();
    memo.set("k4", entry(["d"], 4), 0, 101);
    expect(memo.get("k4", 1)).toBeUndefined();
  });

  it("hands out copies: changing what it returned changes nothing it keeps", () => {
    const memo = new EntryMemo(2, 1000, 100);
    memo.set("k", entry(["a"], 1), 0, 10);
    const got = memo.get<{ n: number }>("k", 1)!;
    got.result.n = 99;
    got.assetIds.push("b");
    expect(memo.get("k", 2)).toEqual(entry(["a"], 1));
  });
});

describe("cachedOutcome with a remembered entry", () => {
  it("answers from memory without reading the entry from KV, and reads the records", async () => {
    const id = await storeImage(21);
    const memo = new EntryMemo(8, 60_000, 8192);
    const hash = "memo-test-from-memory";
    await withMemo(services(), memo).cache.put(hash, entry([id], 1));
    // Gone from KV behind this isolate's back (as another isolate might do): the remembered entry still answers.
    await env.INDEX.delete(`req:${hash}`);
    const hit = await cachedOutcome<{ n: number }>(withMemo(services(), memo), hash);
    expect(hit?.records.map((r) => r.sha256)).toEqual([id]);
    expect(hit?.result).toEqual({ n: 1 });
    // Without a memory, KV decides.
    expect(await cachedOutcome(withMemo(services(), new EntryMemo(8, 60_000, 8192)), hash)).toBeUndefined();
  });

  it("answers with the assets the entry names now when this isolate replaced it (fresh: true)", async () => {
    const [first, second] = [await storeImage(22), await storeImage(23)];
    const memo = new EntryMemo(8, 60_000, 8192);
    const hash = "memo-test-replaced";
    await withMemo(services(), memo).cache.put(hash, entry([first], 1));
    expect((await cachedOutcome(withMemo(services(), memo), hash))?.records.map((r) => r.sha256)).toEqual([first]);
    await withMemo(services(), memo).cache.put(hash, entry([second], 2));
    const hit = await cachedOutcome<{ n: number }>(withMemo(services(), memo), hash);
    expect(hit?.records.map((r) => r.sha256)).toEqual([second]);
    expect(hit?.result).toEqual({ n: 2 });
  });

  it("is a miss when a named asset was deleted, reading the entry from KV again rather than trusting memory", async () => {
    const [gone, kept] = [await storeImage(24), await storeImage(25)];
    const memo = new EntryMemo(8, 60_000, 8192);
    const hash = "memo-test-deleted";
    await withMemo(services(), memo).cache.put(hash, entry([gone], 1));
    await services().library.delete((await services().library.get(gone))!);
    expect(await cachedOutcome(withMemo(services(), memo), hash)).toBeUndefined();
    // Meanwhile KV names other assets (another isolate ran it again): that answer is taken, and remembered.
    await env.INDEX.put(`req:${hash}`, JSON.stringify(entry([kept], 2)));
    expect((await cachedOutcome(withMemo(services(), memo), hash))?.records.map((r) => r.sha256)).toEqual([kept]);
    await env.INDEX.delete(`req:${hash}`);
    expect((await cachedOutcome(withMemo(services(), memo), hash))?.records.map((r) => r.sha256)).toEqual([kept]);
  });

  it("never answers one caller of a private library with another's remembered entry", async () => {
    const alice: Caller = { id: "a9".repeat(16), name: "Alice", admin: false };
    const bob: Caller = { id: "b9".repeat(16), name: null, admin: false };
    const id = await storeImage(26, alice);
    const hash = "memo-test-private";
    await services(alice, "private").cache.put(hash, entry([id], 1));
    expect((await cachedOutcome(services(alice, "private"), hash))?.records.map((r) => r.sha256)).toEqual([id]);
    expect(await cachedOutcome(services(bob, "private"), hash)).toBeUndefined();
  });
});
