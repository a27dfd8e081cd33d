// Owners end to end: the real bundle under `wrangler dev` in a private library and in a team one, three bearer
// tokens (two callers and an admin token from ADMIN_TOKENS), the official SDK client over the
// network, and the signed download links fetched as a browser would.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../support/local-stack";
import { callOk, connectStreamable, textOf } from "./clients";

const ALICE = "e2e-owners-alice-0123456789abcdef";
const BOB = "e2e-owners-bob-0123456789abcdefgh";
const ADMIN = "e2e-owners-admin-0123456789abcdef";
const SIGNING_KEY = "e2e-owners-signing-key-0123456789abcdefghijklmn";

let stack: LocalStack;
let teamStack: LocalStack;
const clients: Client[] = [];

async function as(token: string, on: LocalStack = stack): Promise<Client> {
  const client = await connectStreamable(on.base, token);
  clients.push(client);
  return client;
}

const call = async (client: Client, name: string, args: Record<string, unknown>) =>
  (await client.callTool({ name, arguments: args }, undefined, { timeout: 90_000 })) as CallToolResult;

interface ImageOut {
  images: Array<{ id: string; downloadUrl: string }>;
  cached: boolean;
  sharedInFlight: boolean;
}

beforeAll(async () => {
  // ADMIN_TOKENS is also accepted as a normal token: MCP_AUTH_TOKENS names only the two callers.
  const tokens = { token: `${ALICE},${BOB}`, signingKey: SIGNING_KEY };
  stack = await startLocalStack({ ...tokens, vars: { ADMIN_TOKENS: ADMIN, LIBRARY: "private" } });
  teamStack = await startLocalStack({ ...tokens, vars: { ADMIN_TOKENS: ADMIN } });
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await Promise.allSettled([stack?.stop(), teamStack?.stop()]);
});

describe("owners in a team library (the default), against wrangler dev", () => {
  it("everyone reads; a second asker owns it too; only owners delete their claim, the admin deletes outright", async () => {
    const [alice, bob, admin] = [await as(ALICE, teamStack), await as(BOB, teamStack), await as(ADMIN, teamStack)];
    const args = { prompt: "an e2e team banner", quality: "low" };
    const a = (await callOk(alice, "generate_image", args)).structuredContent as unknown as ImageOut;
    const id = a.images[0]!.id;
    const seen = (await callOk(bob, "get_asset", { id, return: "none" })).structuredContent as { ownership: unknown };
    expect(seen.ownership).toEqual({ yours: false, owners: 1, makers: [], legacy: false });
    const refused = await call(bob, "delete_asset", { id, confirm: true });
    expect(textOf(refused)).toBe(
      `You cannot delete asset ${id}: you are not one of its owners, and only its owners or an admin can delete it. Nothing was deleted.`,
    );
    // Bob asks the same: a cache hit that makes him an owner too.
    const b = (await callOk(bob, "generate_image", args)).structuredContent as unknown as ImageOut;
    expect(b.cached).toBe(true);
    const released = (await callOk(alice, "delete_asset", { id, confirm: true })).structuredContent;
    expect(released).toMatchObject({ deleted: false, released: true, ownersLeft: 1 });
    expect((await fetch(b.images[0]!.downloadUrl)).status).toBe(200);
    const bobs = (await callOk(bob, "list_assets", { mine: true, limit: 100 })).structuredContent as { assets: Array<{ id: string }> };
    expect(bobs.assets.map((x) => x.id)).toContain(id);
    const gone = (await callOk(admin, "delete_asset", { id, confirm: true })).structuredContent;
    expect(gone).toMatchObject({ deleted: true, released: false, ownersLeft: 0, removed: { blob: true, record: true, cacheEntries: 1 } });
    expect((await fetch(b.images[0]!.downloadUrl)).status).toBe(404);
  });
});

describe("owners in a private library, against wrangler dev", () => {
  it("two callers and an admin: visibility, private caches, shared bytes, deletion rights, bound links", async () => {
    const [alice, bob, admin] = [await as(ALICE), await as(BOB), await as(ADMIN)];
    const args = { prompt: "an e2e owned lantern", quality: "low" };
    const a = (await callOk(alice, "generate_image", args)).structuredContent as unknown as ImageOut;
    const id = a.images[0]!.id;

    // Bob sees nothing of Alice's: not listed, and her id reads like a missing one.
    const listed = (await callOk(bob, "list_assets", { limit: 100 })).structuredContent as { assets: Array<{ id: string }> };
    expect(listed.assets.map((x) => x.id)).not.toContain(id);
    const hidden = await call(bob, "get_asset", { id });
    expect(hidden.isError).toBe(true);
    expect(textOf(hidden)).toBe(`No asset ${id} is stored here. Use list_assets to see what exists.`);
    const refusedDelete = await call(bob, "delete_asset", { id, confirm: true });
    expect(textOf(refusedDelete)).toBe(`No asset ${id} is stored here. Use list_assets to see what exists.`);

    // Bob's identical request is his own: not cached, not shared, but the same bytes stored once.
    const b = (await callOk(bob, "generate_image", args)).structuredContent as unknown as ImageOut;
    expect([b.cached, b.sharedInFlight]).toEqual([false, false]);
    expect(b.images[0]!.id).toBe(id);
    const mine = (await callOk(bob, "get_asset", { id, return: "none" })).structuredContent as { ownership: { owners: number } };
    expect(mine.ownership).toMatchObject({ owners: 2 });

    // Alice deletes her claim: Bob keeps the asset; Alice's link stops working, Bob's does not.
    const released = (await callOk(alice, "delete_asset", { id, confirm: true })).structuredContent;
    expect(released).toMatchObject({ deleted: false, released: true, ownersLeft: 1 });
    expect((await fetch(a.images[0]!.downloadUrl)).status).toBe(404);
    expect((await fetch(b.images[0]!.downloadUrl)).status).toBe(200);

    // The admin token sees every asset and deletes outright.
    const seen = (await callOk(admin, "list_assets", { limit: 100 })).structuredContent as { assets: Array<{ id: string }> };
    expect(seen.assets.map((x) => x.id)).toContain(id);
    const gone = (await callOk(admin, "delete_asset", { id, confirm: true })).structuredContent;
    expect(gone).toMatchObject({ deleted: true, ownersLeft: 0, removed: { blob: true, record: true } });
    expect((await fetch(b.images[0]!.downloadUrl)).status).toBe(404);
    const afterwards = await call(bob, "get_asset", { id });
    expect(textOf(afterwards)).toBe(`No asset ${id} is stored here. Use list_assets to see what exists.`);
  });
});
