import { env } from "cloudflare:workers";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { ConfigError, readConfig } from "../../src/config";
import { authenticate } from "../../src/http/auth";
import { tokenPseudonym } from "../../src/http/signing";
import type { Caller } from "../../src/identity";
import type { ToolContext, ToolDefinition } from "../../src/mcp/definitions";
import { runTool } from "../../src/mcp/run-tool";
import { REGISTRY } from "../../src/registry";
import { assetResource } from "../../src/resources/asset.resource";
import { recentAssetIds } from "../../src/mcp/completions";
import { createServices, type Services } from "../../src/services";
import { summarize, SUMMARY_METADATA_BYTES, type AssetRecord } from "../../src/store/asset-record";
import { sha256Hex } from "../../src/store/hash";
import type { LibraryMode } from "../../src/store/owners";
import { storableSourceUrl } from "../../src/inputs/source-url";
import { FakeOpenAIControl } from "../fake-openai/control";
import { textOf } from "../support/mcp";
import { solidPng } from "../support/png";

/**
 * Owners and libraries with two callers (and an admin) through the tools themselves: each
 * call gets the services the Worker builds for that caller, in a team or a private library.
 */
const fake = new FakeOpenAIControl(inject("fakeOpenAIUrl"));
beforeEach(() => fake.reset());

const ALICE: Caller = { id: "a1".repeat(16), name: "Alice", admin: false };
const BOB: Caller = { id: "b2".repeat(16), name: null, admin: false };
const ADMIN: Caller = { id: "c3".repeat(16), name: "Operator", admin: true };
const BASE = "http://localhost";

function servicesOf(caller: Caller, library: LibraryMode): Services {
  return createServices(env, { ...readConfig(env), library }, BASE, caller);
}

async function call(
  caller: Caller,
  library: LibraryMode,
  name: string,
  args: Record<string, unknown>,
  fetchInput?: typeof fetch,
): Promise<CallToolResult & { structuredContent?: Record<string, unknown> }> {
  const tool = REGISTRY.tools.find((t: ToolDefinition) => t.name === name);
  if (!tool) throw new Error(`no tool ${name}`);
  const context: Omit<ToolContext, "signal"> = {
    services: { ...servicesOf(caller, library), ...(fetchInput ? { fetchInput } : {}) },
    era: "2025-session",
    wantsProgress: false,
    reportProgress: async () => undefined,
    confirm: async () => "unavailable",
  };
  return (await runTool(tool, args, context, new AbortController().signal)) as CallToolResult;
}

async function ok<T = Record<string, unknown>>(caller: Caller, library: LibraryMode, name: string, args: Record<string, unknown>) {
  const result = await call(caller, library, name, args);
  if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
  return result.structuredContent as T;
}

interface ImageOut {
  images: Array<{ id: string; downloadUrl: string }>;
  cached: boolean;
  sharedInFlight: boolean;
}
interface Ownership {
  yours: boolean;
  owners: number;
  makers: string[];
  legacy: boolean;
}
interface ListOut {
  assets: Array<{ id: string; ownership: Ownership }>;
}
interface DeleteOut {
  id: string;
  deleted: boolean;
  released: boolean;
  ownersLeft: number;
  removed: { blob: boolean; record: boolean; cacheEntries: number };
}

const generations = async () => (await fake.requests()).filter((r) => r.path === "/v1/images/generations").length;
const record = (id: string) => env.INDEX.get<AssetRecord>(`asset:${id}`, "json");
const blobExists = async (id: string) => (await env.ASSETS.head(`images/${id}.png`)) !== null;
const download = (url: string) => fetchWorker(url);
const fetchWorker = async (url: string) => {
  const { exports } = await import("cloudflare:workers");
  return exports.default.fetch(new Request(url));
};
const idOf = (out: ImageOut) => out.images[0]!.id;

describe("team library (LIBRARY=team, the default)", () => {
  it("a second caller making the same image becomes a second owner; the asset goes only with its last owner", async () => {
    const prompt = "a shared lighthouse, team";
    const first = await ok<ImageOut>(ALICE, "team", "generate_image", { prompt, quality: "low" });
    const second = await ok<ImageOut>(BOB, "team", "generate_image", { prompt, quality: "low" });
    expect(second.cached).toBe(true);
    expect(idOf(second)).toBe(idOf(first));
    expect(await generations()).toBe(1);
    const id = idOf(first);
    expect((await record(id))?.owners).toEqual([{ id: ALICE.id, name: "Alice" }, { id: BOB.id }]);

    // Both see it; Bob's `mine` listing has it, with Alice named as a maker.
    const bobs = await ok<ListOut>(BOB, "team", "list_assets", { mine: true, limit: 100 });
    expect(bobs.assets.find((a) => a.id === id)?.ownership).toEqual({ yours: true, owners: 2, makers: ["Alice"], legacy: false });

    const aliceGone = await ok<DeleteOut>(ALICE, "team", "delete_asset", { id, confirm: true });
    expect(aliceGone).toEqual({
      id,
      deleted: false,
      released: true,
      ownersLeft: 1,
      removed: { blob: false, record: false, cacheEntries: 0 },
    });
    expect(await blobExists(id)).toBe(true);
    expect((await record(id))?.owners).toEqual([{ id: BOB.id }]);
    // Alice still reads it (a team library), but it is no longer hers.
    const seen = await ok<{ ownership: Ownership }>(ALICE, "team", "get_asset", { id, return: "none" });
    expect(seen.ownership).toEqual({ yours: false, owners: 1, makers: [], legacy: false });
    expect((await ok<ListOut>(ALICE, "team", "list_assets", { mine: true, limit: 100 })).assets.map((a) => a.id)).not.toContain(id);

    const bobGone = await ok<DeleteOut>(BOB, "team", "delete_asset", { id, confirm: true });
    expect(bobGone).toEqual({ id, deleted: true, released: true, ownersLeft: 0, removed: { blob: true, record: true, cacheEntries: 1 } });
    expect(await record(id)).toBeNull();
    expect(await blobExists(id)).toBe(false);
    expect(await env.ASSETS.head(`previews/${id}.webp`)).toBeNull();
  });

  it("refuses a non-owner's delete and changes nothing; an admin deletes any asset outright", async () => {
    const made = await ok<ImageOut>(ALICE, "team", "generate_image", { prompt: "alice's own fox", quality: "low" });
    const id = idOf(made);
    const refused = await call(BOB, "team", "delete_asset", { id, confirm: true });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toBe(
      `You cannot delete asset ${id}: you are not one of its owners, and only its owners or an admin can delete it. Nothing was deleted.`,
    );
    expect((await record(id))?.owners).toEqual([{ id: ALICE.id, name: "Alice" }]);
    await ok(BOB, "team", "generate_image", { prompt: "alice's own fox", quality: "low" }); // Bob now owns it too

    const outright = await ok<DeleteOut>(ADMIN, "team", "delete_asset", { id, confirm: true });
    expect(outright).toEqual({ id, deleted: true, released: false, ownersLeft: 0, removed: { blob: true, record: true, cacheEntries: 1 } });
    expect(await record(id)).toBeNull();
    expect(await blobExists(id)).toBe(false);
  });

  it("a caller who joins a running job owns its result too", async () => {
    await fake.addFault({ kind: "slow", path: "/v1/images/generations", delayMs: 1500 });
    const args = { prompt: "a joined job, team", quality: "low" };
    const [a, b] = await Promise.all([
      ok<ImageOut>(ALICE, "team", "generate_image", args),
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return ok<ImageOut>(BOB, "team", "generate_image", args);
      })(),
    ]);
    expect(await generations()).toBe(1);
    expect(b.sharedInFlight).toBe(true);
    expect(idOf(a)).toBe(idOf(b));
    const owners = (await record(idOf(a)))?.owners?.map((o) => o.id);
    expect(owners?.sort()).toEqual([ALICE.id, BOB.id].sort());
  });

  it("records made before owners were recorded: listed, deleted only by an admin, never released by re-storing their bytes", async () => {
    const bytes = await solidPng(5, 5, [1, 2, 3, 255]);
    const legacy = await storeLegacy(bytes);
    const listed = await ok<ListOut>(BOB, "team", "list_assets", { limit: 100 });
    expect(listed.assets.find((a) => a.id === legacy.sha256)?.ownership).toEqual({ yours: false, owners: 0, makers: [], legacy: true });
    const refused = await call(BOB, "team", "delete_asset", { id: legacy.sha256, confirm: true });
    expect(textOf(refused)).toBe(
      `You cannot delete asset ${legacy.sha256}: it was stored before owners were recorded, so only an admin can delete it. Nothing was deleted.`,
    );
    // Bob stores the same bytes: he gains a claim beside the legacy one, and releasing it leaves the asset.
    await servicesOf(BOB, "team").library.put({ bytes, kind: "image", mime: "image/png", origin: { tool: "input" } });
    expect((await record(legacy.sha256))?.owners).toEqual([{ id: "(before owners)" }, { id: BOB.id }]);
    const released = await call(BOB, "team", "delete_asset", { id: legacy.sha256, confirm: true });
    expect(released.structuredContent).toMatchObject({ deleted: false, released: true, ownersLeft: 0 });
    expect(textOf(released).split("\n")[0]).toBe(
      `Removed your claim on ${legacy.sha256}; it stays as a record from before owners were recorded, which only an admin can delete (0 cache entries removed).`,
    );
    expect(await blobExists(legacy.sha256)).toBe(true);
    expect(await ok<DeleteOut>(ADMIN, "team", "delete_asset", { id: legacy.sha256, confirm: true })).toMatchObject({ deleted: true });
    expect(await blobExists(legacy.sha256)).toBe(false);
  });
});

describe("private library (LIBRARY=private)", () => {
  it("another caller's asset answers exactly like a missing id, in every tool and the resource", async () => {
    const made = await ok<ImageOut>(ALICE, "private", "generate_image", { prompt: "alice's private sketch", quality: "low" });
    const id = idOf(made);
    const missing = "f".repeat(64);
    const same = async (name: string, args: (id: string) => Record<string, unknown>) => {
      const theirs = await call(BOB, "private", name, args(id));
      const none = await call(BOB, "private", name, args(missing));
      expect(theirs.isError).toBe(true);
      expect(textOf(theirs)).toBe(textOf(none).replaceAll(missing, id));
    };
    await same("get_asset", (id) => ({ id }));
    await same("delete_asset", (id) => ({ id, confirm: true }));
    await same("edit_image", (id) => ({ prompt: "steal it", images: [id] }));
    expect(textOf(await call(BOB, "private", "get_asset", { id }))).toBe(
      `No asset ${id} is stored here. Use list_assets to see what exists.`,
    );
    const verified = await ok<{ status: string; detail: string }>(BOB, "private", "verify_asset", { id });
    expect(verified).toMatchObject({ id, status: "missing", detail: "No record with this id in the index." });
    expect((await ok<ListOut>(BOB, "private", "list_assets", { limit: 100 })).assets.map((a) => a.id)).not.toContain(id);
    const bobServices = servicesOf(BOB, "private");
    expect((await assetResource.list(bobServices)).map((r) => r.uri)).not.toContain(`asset://images/${id}`);
    await expect(assetResource.read(`asset://images/${id}`, { kind: "images", sha256: id }, bobServices)).rejects.toThrow(
      `No image asset ${id} is stored here.`,
    );
    expect(await recentAssetIds(bobServices, id.slice(0, 8))).toEqual([]);
    expect(await recentAssetIds(servicesOf(ALICE, "private"), id.slice(0, 8))).toEqual([id]);
    // Alice and an admin see it; the asset is untouched.
    expect((await ok<ListOut>(ALICE, "private", "list_assets", { limit: 100 })).assets.map((a) => a.id)).toContain(id);
    expect((await ok<ListOut>(ADMIN, "private", "list_assets", { limit: 100 })).assets.map((a) => a.id)).toContain(id);
    expect((await record(id))?.owners).toEqual([{ id: ALICE.id, name: "Alice" }]);
  });

  it("keeps each caller's cache apart, stores the same bytes once, and never joins another caller's job", async () => {
    const args = { prompt: "the same request, private", quality: "low" };
    await fake.addFault({ kind: "slow", path: "/v1/images/generations", delayMs: 1200 });
    const [a, b] = await Promise.all([
      ok<ImageOut>(ALICE, "private", "generate_image", args),
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return ok<ImageOut>(BOB, "private", "generate_image", args);
      })(),
    ]);
    // Two jobs, two upstream calls: Bob learns nothing of Alice's request.
    expect(await generations()).toBe(2);
    expect([a.cached, a.sharedInFlight, b.cached, b.sharedInFlight]).toEqual([false, false, false, false]);
    // The fake renders identical bytes for identical requests: one blob, two owners.
    const id = idOf(a);
    expect(idOf(b)).toBe(id);
    expect((await record(id))?.owners?.map((o) => o.id).sort()).toEqual([ALICE.id, BOB.id].sort());
    // Each has its own cache entry now.
    expect((await ok<ImageOut>(BOB, "private", "generate_image", args)).cached).toBe(true);
    expect(await generations()).toBe(2);

    // Alice deletes: her claim and her cache entry go; Bob keeps the asset and his entry.
    const gone = await ok<DeleteOut>(ALICE, "private", "delete_asset", { id, confirm: true });
    expect(gone).toMatchObject({ deleted: false, released: true, ownersLeft: 1, removed: { cacheEntries: 1 } });
    expect(textOf(await call(ALICE, "private", "get_asset", { id }))).toBe(
      `No asset ${id} is stored here. Use list_assets to see what exists.`,
    );
    expect((await ok<ImageOut>(BOB, "private", "generate_image", args)).cached).toBe(true);
    const again = await ok<ImageOut>(ALICE, "private", "generate_image", args);
    expect(again.cached).toBe(false);
    expect(await generations()).toBe(3);
  });

  it("build_3d_model: each caller compiles into its own cache, the same GLB stored once with both as owners", async () => {
    const spec = {
      name: "owned crate",
      materials: [{ name: "pine", color: "#c8a060" }],
      parts: [{ id: "crate", parent: null, shape: { type: "box", size: [0.4, 0.4, 0.4] }, material: "pine" }],
    };
    interface ModelOut {
      model: { id: string };
      cached: boolean;
    }
    const a = await ok<ModelOut>(ALICE, "private", "build_3d_model", { spec, return: "none" });
    const b = await ok<ModelOut>(BOB, "private", "build_3d_model", { spec, return: "none" });
    expect([a.cached, b.cached]).toEqual([false, false]);
    expect(b.model.id).toBe(a.model.id);
    expect((await record(a.model.id))?.owners?.map((o) => o.id)).toEqual([ALICE.id, BOB.id]);
    expect((await ok<ModelOut>(BOB, "private", "build_3d_model", { spec, return: "none" })).cached).toBe(true);
  });

  it("download links are minted for their caller: valid while that caller owns the asset", async () => {
    const args = { prompt: "a private link", quality: "low" };
    const a = await ok<ImageOut>(ALICE, "private", "generate_image", args);
    const b = await ok<ImageOut>(BOB, "private", "generate_image", args);
    const id = idOf(a);
    const aliceLink = a.images[0]!.downloadUrl;
    expect(new URL(aliceLink).searchParams.get("for")).toMatch(/^[0-9a-f]{16}$/);
    expect((await download(aliceLink)).status).toBe(200);
    // The same asset shown in a team library: an unbound link, not valid in a private one.
    const teamLink = (await ok<{ asset: { downloadUrl: string } }>(BOB, "team", "get_asset", { id, return: "none" })).asset.downloadUrl;
    expect(new URL(teamLink).searchParams.has("for")).toBe(false);
    const adminLink = (await ok<{ asset: { downloadUrl: string } }>(ADMIN, "private", "get_asset", { id, return: "none" })).asset
      .downloadUrl;
    await ok(ALICE, "private", "delete_asset", { id, confirm: true });
    const privateServer = { ...env, LIBRARY: "private" } as Env;
    const { default: worker } = await import("../../src/index");
    const { createExecutionContext } = await import("cloudflare:test");
    const get = (url: string) => worker.fetch(new Request(url), privateServer, createExecutionContext());
    const aliceAfter = await get(aliceLink);
    expect(aliceAfter.status).toBe(404);
    expect(await aliceAfter.text()).toBe(`No asset ${id}.png is stored here.\n`);
    expect((await get(b.images[0]!.downloadUrl)).status).toBe(200);
    expect((await get(adminLink)).status).toBe(200);
    expect((await get(teamLink)).status).toBe(404);
    // Stripping the binding breaks the signature.
    const stripped = new URL(b.images[0]!.downloadUrl);
    stripped.searchParams.delete("for");
    expect((await get(stripped.href)).status).toBe(403);
  });
});

describe("listing metadata", () => {
  it("stays within KV's 1024-byte metadata limit however many owners, and `mine` still finds every owner", async () => {
    const owners = Array.from({ length: 40 }, (_, i) => ({
      id: `${i}`.padStart(32, "0"),
      name: `A rather long display name ${i}`.padEnd(60, "."),
    }));
    const bytes = new TextEncoder().encode("many owners");
    const sha256 = await sha256Hex(bytes);
    const many: AssetRecord = {
      sha256,
      kind: "analysis",
      mime: "application/json",
      ext: "json",
      bytes: bytes.byteLength,
      createdAt: "2026-11-20T00:00:00.000Z",
      origin: { tool: "analyze_image" },
      owners,
    };
    const summary = summarize(many);
    expect(new TextEncoder().encode(JSON.stringify(summary)).byteLength).toBeLessThanOrEqual(SUMMARY_METADATA_BYTES);
    expect(summary.ownerCount).toBe(40);
    expect(summary.owners!.length).toBeLessThan(40);
    await env.ASSETS.put(`analyses/${sha256}.json`, bytes);
    const services = servicesOf(ALICE, "team");
    await services.index.put(many);
    const last = owners[39]!.id;
    const page = await services.index.list({ limit: 100, owner: last });
    expect(page.assets.map((a) => a.sha256)).toContain(sha256);
    expect((await services.index.list({ limit: 100, owner: "f".repeat(32) })).assets.map((a) => a.sha256)).not.toContain(sha256);
  });
});

describe("input images", () => {
  it("URLs are kept without query string, fragment or credentials", () => {
    expect(storableSourceUrl("https://user:secret@img.example/a/b.png?X-Amz-Signature=abc&token=t#frag")).toBe(
      "https://img.example/a/b.png",
    );
  });

  it("given as a URL: the stored input's origin has no query or credentials, and the caller owns it; given by id: no claim", async () => {
    const bytes = await solidPng(12, 12, [40, 90, 200, 255]);
    // (URLs with a user name or password are refused before any fetch; a pre-signed query is the common case.)
    const signed = "https://img.example/photos/cat.png?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA";
    const web: typeof fetch = async (input) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url !== signed) throw new Error(`unexpected fetch of ${url}`);
      return new Response(bytes, { headers: { "content-type": "image/png" } });
    };
    const edited = await call(ALICE, "team", "edit_image", { prompt: "make it teal", images: [signed] }, web);
    expect(edited.isError, textOf(edited)).toBeFalsy();
    const input = await sha256Hex(bytes);
    const stored = await record(input);
    expect(stored?.origin).toEqual({ tool: "input", sourceUrl: "https://img.example/photos/cat.png" });
    expect(stored?.owners).toEqual([{ id: ALICE.id, name: "Alice" }]);
    // Bob edits the same image by its id: he reads it but gains no claim on it.
    const byId = await call(BOB, "team", "edit_image", { prompt: "make it amber", images: [input] });
    expect(byId.isError, textOf(byId)).toBeFalsy();
    expect((await record(input))?.owners).toEqual([{ id: ALICE.id, name: "Alice" }]);
  });
});

describe("records from before input URLs were stripped", () => {
  it("get_asset shows their source URL without query string or credentials", async () => {
    const bytes = await solidPng(6, 6, [7, 7, 7, 255]);
    const sha256 = await sha256Hex(bytes);
    const old: AssetRecord = {
      ...(await storeLegacy(bytes)),
      origin: { tool: "input", sourceUrl: "https://bob:pw@img.example/x.png?token=secret" },
      owners: [{ id: ALICE.id }],
    };
    await servicesOf(ADMIN, "team").index.put(old);
    const shown = await ok<{ origin: { sourceUrl?: string } }>(ALICE, "team", "get_asset", { id: sha256, return: "none" });
    expect(shown.origin).toEqual({ tool: "input", sourceUrl: "https://img.example/x.png" });
  });
});

describe("configuration and the gate", () => {
  const configWith = (vars: Record<string, string>) => readConfig({ ...env, ...vars } as Env);
  const bearer = (token: string) => new Request("https://w.example/mcp", { headers: { authorization: `Bearer ${token}` } });

  it("an ADMIN_TOKENS token is accepted as a normal token and makes its caller an admin; others are not", async () => {
    const adminToken = "admin-token-0123456789abcdef";
    const config = configWith({ ADMIN_TOKENS: adminToken });
    const admin = await authenticate(bearer(adminToken), config);
    expect(admin).toEqual({
      ok: true,
      caller: { id: await tokenPseudonym(adminToken, config.signingKey), name: null, admin: true },
    });
    const plain = await authenticate(bearer("test-token-two-0123456789"), config);
    expect(plain.ok && plain.caller?.admin).toBe(false);
    // Only an admin token configured, no MCP_AUTH_TOKENS: the local server is not open.
    expect(readConfig({ ...env, MCP_AUTH_TOKENS: "", ADMIN_TOKENS: adminToken } as Env).openAccess).toBe(false);
  });

  it("LIBRARY defaults to team and refuses anything but team or private, naming the variable", () => {
    expect(readConfig(env).library).toBe("team");
    expect(configWith({ LIBRARY: "private" }).library).toBe("private");
    expect(() => configWith({ LIBRARY: "shared" })).toThrow(ConfigError);
    expect(() => configWith({ LIBRARY: "shared" })).toThrow(
      'Invalid configuration: LIBRARY: must be "team" (everyone reads every asset) or "private" (each caller sees only its own).',
    );
    expect(() => configWith({ ADMIN_TOKENS: "short" })).toThrow(
      "Invalid configuration: ADMIN_TOKENS: every token must be at least 16 characters (generate one with `openssl rand -hex 32`).",
    );
  });

  it("list_assets refuses a `mine` that is not a boolean, naming the field", async () => {
    const result = await call(ALICE, "team", "list_assets", { mine: "yes" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('Invalid arguments for list_assets: mine: must be a boolean, not string "yes". Fix it and call again.');
  });
});

/** A record as stored before owners existed: no `owners` field at all. */
async function storeLegacy(bytes: Uint8Array): Promise<AssetRecord> {
  const sha256 = await sha256Hex(bytes);
  const legacy: AssetRecord = {
    sha256,
    kind: "image",
    mime: "image/png",
    ext: "png",
    bytes: bytes.byteLength,
    width: 5,
    height: 5,
    createdAt: "2026-11-01T00:00:00.000Z",
    origin: { tool: "generate_image" },
  };
  await env.ASSETS.put(`images/${sha256}.png`, bytes);
  await servicesOf(ADMIN, "team").index.put(legacy);
  return legacy;
}
