import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AssetIndex } from "../../src/store/asset-index";
import { AssetLibrary } from "../../src/store/asset-library";
import { ASSET_KINDS } from "../../src/store/asset-kinds";
import { summarize } from "../../src/store/asset-record";
import { BlobStore } from "../../src/store/blob-store";
import { canonicalJson, requestHash, sha256Hex } from "../../src/store/hash";
import { RequestCache } from "../../src/store/request-cache";

const bytes = (text: string) => new TextEncoder().encode(text);

function makeLibrary(kv: KVNamespace = env.INDEX, clock = () => new Date()) {
  const index = new AssetIndex(kv);
  const cache = new RequestCache(kv);
  return { library: new AssetLibrary(new BlobStore(env.ASSETS), index, cache, env.REQUEST_COORDINATOR, clock), index, cache };
}

describe("hashing", () => {
  it("hashes bytes to lowercase hex SHA-256", async () => {
    expect(await sha256Hex(bytes("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("canonical JSON ignores key order and undefined members", async () => {
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [2, { z: 1, y: 2 }] } })).toBe('{"a":{"c":[2,{"y":2,"z":1}]},"b":1}');
    expect(await requestHash("op", { a: 1, b: 2 })).toBe(await requestHash("op", { b: 2, a: 1 }));
    expect(await requestHash("op", { a: 1 })).not.toBe(await requestHash("other", { a: 1 }));
  });
});

describe("AssetLibrary", () => {
  it("stores bytes under their hash with a prefix per kind, once", async () => {
    const { library } = makeLibrary();
    const data = bytes("hello image");
    const first = await library.put({ bytes: data, kind: "image", mime: "image/png", width: 2, height: 3, origin: { tool: "test" } });
    const second = await library.put({ bytes: data, kind: "image", mime: "image/png", origin: { tool: "other" } });
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.record).toEqual(first.record);
    const key = `images/${await sha256Hex(data)}.png`;
    const object = await env.ASSETS.get(key);
    expect(object).not.toBeNull();
    expect(object?.checksums.sha256).toBeDefined();
    expect((await env.ASSETS.list({ prefix: "images/" })).objects).toHaveLength(1);
  });

  it("puts back a blob that went missing under its record when the same bytes are stored again", async () => {
    const { library } = makeLibrary();
    const data = bytes("blob to heal");
    const first = await library.put({ bytes: data, kind: "image", mime: "image/png", origin: { tool: "test" } });
    const key = `images/${first.record.sha256}.png`;
    await env.ASSETS.delete(key);
    expect((await library.verify(first.record.sha256)).status).toBe("missing");
    // justMade skips the lock-free look, so the locked write finds the record and heals it.
    for (const justMade of [false, true]) {
      await env.ASSETS.delete(key);
      const again = await library.put({ bytes: data, kind: "image", mime: "image/png", origin: { tool: "other" }, justMade });
      expect(again.created).toBe(false);
      expect(again.record.sha256).toBe(first.record.sha256);
      expect((await library.verify(first.record.sha256)).status).toBe("ok");
    }
  });

  it("removes the blob it wrote when the record cannot be written", async () => {
    const failingKv = new Proxy(env.INDEX, {
      get(target, prop) {
        if (prop === "put")
          return async () => {
            throw new Error("KV down");
          };
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const { library } = makeLibrary(failingKv);
    const data = bytes("orphan candidate");
    await expect(library.put({ bytes: data, kind: "image", mime: "image/png", origin: { tool: "t" } })).rejects.toThrow("KV down");
    expect(await env.ASSETS.head(`images/${await sha256Hex(data)}.png`)).toBeNull();
  });

  it("verifies ok, then reports corruption after the blob is tampered with, and missing after it is gone", async () => {
    const { library } = makeLibrary();
    const { record } = await library.put({ bytes: bytes("original"), kind: "analysis", mime: "application/json", origin: { tool: "t" } });
    const ok = await library.verify(record.sha256);
    expect(ok.status).toBe("ok");
    expect((await library.get(record.sha256))?.lastVerifiedAt).toBe(ok.checkedAt);

    await env.ASSETS.put(library.keyOf(record), bytes("tampered"));
    const corrupted = await library.verify(record.sha256);
    expect(corrupted.status).toBe("corrupted");
    expect(corrupted.detail).toContain(await sha256Hex(bytes("tampered")));

    await env.ASSETS.delete(library.keyOf(record));
    expect((await library.verify(record.sha256)).status).toBe("missing");
    expect((await library.verify("0".repeat(64))).status).toBe("missing");
  });

  it("deletes the record before the blob, and the cache entry that returned it", async () => {
    // Every delete on KV and R2, in the order the library issues them.
    const deletes: string[] = [];
    const kv = recordingDeletes(env.INDEX, "kv", deletes);
    const index = new AssetIndex(kv);
    const cache = new RequestCache(kv);
    const library = new AssetLibrary(new BlobStore(recordingDeletes(env.ASSETS, "r2", deletes)), index, cache, env.REQUEST_COORDINATOR);
    const hash = await requestHash("generate", { prompt: "x" });
    const { record } = await library.put({
      bytes: bytes("to delete"),
      kind: "image",
      mime: "image/webp",
      origin: { tool: "t", requestHash: hash },
    });
    await cache.put(hash, { assetIds: [record.sha256], result: {}, createdAt: new Date().toISOString() });
    const report = await library.delete(record);
    expect(report).toEqual({
      sha256: record.sha256,
      removedBlob: true,
      removedRecord: true,
      removedCacheEntries: 1,
      deleted: true,
      releasedClaim: true,
      ownersLeft: 0,
    });
    expect(await library.get(record.sha256)).toBeUndefined();
    expect(await cache.get(hash)).toBeUndefined();
    expect((await index.list({ limit: 10 })).assets.map((a) => a.sha256)).not.toContain(record.sha256);
    expect(await env.ASSETS.head(library.keyOf(record))).toBeNull();
    const recordGone = deletes.indexOf(`kv asset:${record.sha256}`);
    const blobGone = deletes.indexOf(`r2 ${library.keyOf(record)}`);
    expect(recordGone).toBeGreaterThanOrEqual(0);
    expect(blobGone).toBeGreaterThan(recordGone);
    // Each listing entry goes with the record, before the blob too.
    const listingGone = deletes.filter((entry) => entry.startsWith("kv recent")).map((entry) => deletes.indexOf(entry));
    expect(listingGone).toHaveLength(2);
    for (const at of listingGone) expect(at).toBeLessThan(blobGone);
  });
});

/** A gate a test opens by hand: writes paused at it stay paused until `open()`. */
function gate() {
  let open!: () => void;
  let entered!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const reached = new Promise<void>((resolve) => (entered = resolve));
  return { open, opened, reached, entered };
}

/** A blob store that pauses the first armed `hashOf` or `delete` of an asset key until the test opens the gate. */
class PausingBlobStore extends BlobStore {
  pauseHash?: ReturnType<typeof gate>;
  pauseDelete?: ReturnType<typeof gate>;

  override async hashOf(key: string) {
    const pause = this.pauseHash;
    this.pauseHash = undefined;
    if (pause) {
      pause.entered();
      await pause.opened;
    }
    return super.hashOf(key);
  }

  override async delete(key: string) {
    const pause = key.startsWith("images/") ? this.pauseDelete : undefined;
    if (pause) {
      this.pauseDelete = undefined;
      pause.entered();
      await pause.opened;
    }
    return super.delete(key);
  }
}

function pausingLibrary() {
  const blobs = new PausingBlobStore(env.ASSETS);
  const index = new AssetIndex(env.INDEX);
  return { blobs, index, library: new AssetLibrary(blobs, index, new RequestCache(env.INDEX), env.REQUEST_COORDINATOR) };
}

/** The invariant every race must keep: a record in the index always has its blob in R2. */
async function expectNoRecordWithoutBlob(library: AssetLibrary, sha256: string) {
  const record = await library.get(sha256);
  if (record) expect(await env.ASSETS.head(library.keyOf(record)), `record ${sha256} without its blob`).not.toBeNull();
}

const settleSoon = () => new Promise((resolve) => setTimeout(resolve, 150));

describe("AssetLibrary under concurrent writes to one hash", () => {
  const image = (text: string) => ({ bytes: bytes(text), kind: "image" as const, mime: "image/png", origin: { tool: "race" } });

  it("a delete waits for a verify in progress; the verify never writes back a deleted record", async () => {
    const { blobs, library } = pausingLibrary();
    const { record } = await library.put(image("verify then delete"));
    const paused = gate();
    blobs.pauseHash = paused;
    const verifying = library.verify(record.sha256);
    await paused.reached;
    const deleting = library.delete(record);
    await settleSoon();
    // The delete is queued behind the verify's lock: nothing removed yet.
    expect(await library.get(record.sha256)).toBeDefined();
    paused.open();
    expect((await verifying).status).toBe("ok");
    expect((await deleting).removedRecord).toBe(true);
    expect(await library.get(record.sha256)).toBeUndefined();
    expect(await env.ASSETS.head(library.keyOf(record))).toBeNull();
  });

  it("a delete removes the record before the blob: while it is paused at the blob, the record is already gone", async () => {
    const { blobs, library, index } = pausingLibrary();
    const { record } = await library.put(image("record first"));
    const pause = gate();
    blobs.pauseDelete = pause;
    const deleting = library.delete(record);
    await pause.reached;
    expect(await index.get(record.sha256)).toBeUndefined();
    expect((await index.list({ limit: 50 })).assets.map((a) => a.sha256)).not.toContain(record.sha256);
    expect(await env.ASSETS.head(library.keyOf(record))).not.toBeNull();
    pause.open();
    expect(await deleting).toMatchObject({ removedRecord: true, removedBlob: true });
    expect(await env.ASSETS.head(library.keyOf(record))).toBeNull();
  });

  it("a verify that starts during a delete waits for it and reports the asset missing", async () => {
    const { blobs, library } = pausingLibrary();
    const { record } = await library.put(image("delete then verify"));
    const pause = gate();
    blobs.pauseDelete = pause;
    const deleting = library.delete(record);
    await pause.reached;
    const verifying = library.verify(record.sha256);
    await settleSoon();
    pause.open();
    await deleting;
    const report = await verifying;
    expect(report).toMatchObject({ status: "missing", detail: "No record with this id in the index." });
    expect(await library.get(record.sha256)).toBeUndefined();
    await expectNoRecordWithoutBlob(library, record.sha256);
  });

  it("a put of the same bytes during a delete waits, then stores record and blob again", async () => {
    const { blobs, library } = pausingLibrary();
    const asset = image("deleted and stored again");
    const { record } = await library.put(asset);
    const pause = gate();
    blobs.pauseDelete = pause;
    const deleting = library.delete(record);
    // The delete has removed the record and paused before removing the blob.
    await pause.reached;
    const putting = library.put(asset);
    await settleSoon();
    pause.open();
    await deleting;
    const again = await putting;
    expect(again.created).toBe(true);
    expect(await library.get(record.sha256)).toBeDefined();
    await expectNoRecordWithoutBlob(library, record.sha256);
  });

  it("two deletes of one asset run one after the other: the second finds the record already gone", async () => {
    const { library } = makeLibrary();
    const { record } = await library.put(image("deleted twice"));
    const reports = await Promise.all([library.delete(record), library.delete(record)]);
    expect(reports.map((r) => r.removedRecord).sort()).toEqual([false, true]);
    expect(reports.map((r) => r.removedBlob).sort()).toEqual([false, true]);
    expect(await library.get(record.sha256)).toBeUndefined();
  });

  it("a failed listing write rolls back the record as well as the blob", async () => {
    const failingRecencyKv = new Proxy(env.INDEX, {
      get(target, prop) {
        if (prop === "put")
          return async (key: string, ...rest: unknown[]) => {
            if (key.startsWith("recent-kind:")) throw new Error("KV listing write failed");
            return (target.put as (...args: unknown[]) => Promise<void>).call(target, key, ...rest);
          };
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const { library } = makeLibrary(failingRecencyKv);
    const data = bytes("half-written record");
    const sha256 = await sha256Hex(data);
    await expect(library.put({ bytes: data, kind: "image", mime: "image/png", origin: { tool: "t" } })).rejects.toThrow(
      "KV listing write failed",
    );
    expect(await env.INDEX.get(`asset:${sha256}`)).toBeNull();
    expect((await env.INDEX.list({ prefix: "recent:" })).keys.map((k) => k.name).filter((n) => n.endsWith(sha256))).toEqual([]);
    expect(await env.ASSETS.head(`images/${sha256}.png`)).toBeNull();
  });

  it("concurrent puts, verifies and deletes of one hash never leave a record without its blob", async () => {
    const { library } = makeLibrary();
    const asset = image("stirred");
    const { record } = await library.put(asset);
    const operations = Array.from({ length: 12 }, (_, i) =>
      i % 3 === 0 ? library.put(asset) : i % 3 === 1 ? library.verify(record.sha256) : library.delete(record),
    );
    await Promise.all(operations);
    await expectNoRecordWithoutBlob(library, record.sha256);
  });
});

/** The binding itself, with each `delete(key)` noted as "<name> <key>" when it is issued. */
function recordingDeletes<T extends KVNamespace | R2Bucket>(binding: T, name: string, log: string[]): T {
  return new Proxy(binding, {
    get(target, property) {
      const value = Reflect.get(target, property) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (property === "delete") log.push(`${name} ${String(args[0])}`);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe("RequestCache", () => {
  it("round-trips entries through KV", async () => {
    const cache = new RequestCache(env.INDEX);
    await cache.put("h2", { assetIds: ["a"], result: { n: 1 }, createdAt: "t" });
    expect(await cache.get("h2")).toEqual({ assetIds: ["a"], result: { n: 1 }, createdAt: "t" });
    expect(await cache.delete("h2")).toBe(true);
    expect(await cache.delete("h2")).toBe(false);
  });
});

describe("asset counters (what server_status reports)", () => {
  const image = (text: string) => ({ bytes: bytes(text), kind: "image" as const, mime: "image/png", origin: { tool: "count" } });

  it("are seeded once from the index, then follow every put and delete without walking the index again", async () => {
    const { library } = makeLibrary();
    await library.put(image("counted before the seed"));
    const seeded = await library.stats(ASSET_KINDS);
    const made = await library.put(image("counted after the seed"));
    expect((await library.stats(ASSET_KINDS)).image).toEqual({
      count: seeded.image!.count + 1,
      bytes: seeded.image!.bytes + made.record.bytes,
    });
    // The same bytes again are one asset: no change.
    await library.put(image("counted after the seed"));
    expect((await library.stats(ASSET_KINDS)).image!.count).toBe(seeded.image!.count + 1);
    // A record written behind the library's back is not counted: the counters are read, the index is not walked.
    const stray = { ...made.record, sha256: "f".repeat(64) };
    await env.INDEX.put(`asset:${stray.sha256}`, JSON.stringify(stray), { metadata: summarize(stray) });
    expect((await library.stats(ASSET_KINDS)).image!.count).toBe(seeded.image!.count + 1);
    await env.INDEX.delete(`asset:${stray.sha256}`);
    await library.delete(made.record);
    expect((await library.stats(ASSET_KINDS)).image).toEqual(seeded.image);
  });
});
