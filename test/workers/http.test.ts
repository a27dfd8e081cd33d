import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_OPENAI_BASE_URL, readConfig, type Config } from "../../src/config";
import { authenticate } from "../../src/http/auth";
import { limitBody } from "../../src/http/body-limit";
import { hostAllowed, originAllowed } from "../../src/http/origin";
import { parseRange } from "../../src/http/range";
import { signedDownloadUrl } from "../../src/http/downloads";
import { checkDownloadSignature, signDownloadUrl } from "../../src/http/signing";
import { storeAsset } from "../support/assets";
import { BASE, worker } from "../support/mcp";
import { suiteClock } from "../support/suite-date";

const baseEnv = { INDEX: {}, ASSETS: {}, IMAGES: {}, MCP_SESSION: {} } as unknown as Env;
const config = (vars: Partial<Record<string, string>>): Config => readConfig({ ...baseEnv, ...vars } as Env);
const prodConfig = () =>
  config({ DEPLOY_ENV: "production", MCP_AUTH_TOKENS: "a".repeat(20) + ",b".padEnd(21, "b"), SIGNING_KEY: "k".repeat(32) });

describe("configuration", () => {
  it("names each bad variable and how to set it", () => {
    expect(() => config({ DEPLOY_ENV: "production", MCP_AUTH_TOKENS: "short", SIGNING_KEY: "k".repeat(32) })).toThrow(
      /MCP_AUTH_TOKENS: every token must be at least 16 characters.*wrangler secret put/,
    );
    expect(() => config({ DEPLOY_ENV: "production", SIGNING_KEY: "short" })).toThrow(/SIGNING_KEY: must be at least 32 characters/);
    expect(() => config({ DEPLOY_ENV: "production" })).toThrow(/SIGNING_KEY is not set/);
    expect(() => config({ DEPLOY_ENV: "development", OPENAI_BASE_URL: "ftp://x" })).toThrow(/OPENAI_BASE_URL/);
    expect(() => config({ DEPLOY_ENV: "development", TOOL_DEADLINE_SECONDS: "-3" })).toThrow(
      /TOOL_DEADLINE_SECONDS: must be a positive number/,
    );
    expect(() => config({ DEPLOY_ENV: "staging" })).toThrow(/DEPLOY_ENV/);
  });

  it("runs locally with no setup, open to this machine only", () => {
    const local = config({ DEPLOY_ENV: "development" });
    expect(local.openAccess).toBe(true);
    expect(local.openai.baseUrl).toBe(DEFAULT_OPENAI_BASE_URL);
    expect(prodConfig().openAccess).toBe(false);
  });
});

describe("bearer auth", () => {
  const request = (authorization?: string) => new Request("https://w.example/mcp", { headers: authorization ? { authorization } : {} });

  it("accepts any configured token and refuses others with WWW-Authenticate", async () => {
    const cfg = prodConfig();
    expect((await authenticate(request(`Bearer ${"a".repeat(20)}`), cfg)).ok).toBe(true);
    expect((await authenticate(request(`bearer ${cfg.authTokens[1]}`), cfg)).ok).toBe(true);
    for (const header of [undefined, "Basic abc", `Bearer ${"a".repeat(19)}`, "Bearer "]) {
      const result = await authenticate(request(header), cfg);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.response.status).toBe(401);
        expect(result.response.headers.get("www-authenticate")).toMatch(/^Bearer realm="mcp"/);
      }
    }
  });

  it("names the caller by a keyed pseudonym of the token, and nobody on an open local server", async () => {
    const cfg = prodConfig();
    const callerOf = async (cfgUsed: typeof cfg, header: string) => {
      const result = await authenticate(request(header), cfgUsed);
      return result.ok ? (result.caller?.id ?? null) : "refused";
    };
    const first = await callerOf(cfg, `Bearer ${cfg.authTokens[0]}`);
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    // A token has no display name and no admin rights of its own.
    const matched = await authenticate(request(`Bearer ${cfg.authTokens[0]}`), cfg);
    expect(matched.ok && matched.caller).toEqual({ id: first, name: null, admin: false });
    expect(await callerOf(cfg, `Bearer ${cfg.authTokens[0]}`)).toBe(first);
    expect(await callerOf(cfg, `Bearer ${cfg.authTokens[1]}`)).not.toBe(first);
    // Another signing key, another pseudonym: it cannot be matched across deployments.
    expect(await callerOf({ ...cfg, signingKey: "z".repeat(32) }, `Bearer ${cfg.authTokens[0]}`)).not.toBe(first);
    expect(await callerOf(config({ DEPLOY_ENV: "development" }), "")).toBeNull();
  });

  it("refuses everything, saying why, when a deployed server has no token", async () => {
    const cfg = config({ DEPLOY_ENV: "production", SIGNING_KEY: "k".repeat(32) });
    const result = await authenticate(request("Bearer anything-at-all-here"), cfg);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.response.status).toBe(503);
      expect(await result.response.text()).toContain("MCP_AUTH_TOKENS");
    }
  });
});

describe("origin and host checks", () => {
  const req = (url: string, origin?: string) => new Request(url, { headers: origin ? { origin } : {} });

  it("lets non-browser clients and allowed origins through, refuses others", () => {
    const cfg = config({
      DEPLOY_ENV: "production",
      MCP_AUTH_TOKENS: "t".repeat(16),
      SIGNING_KEY: "k".repeat(32),
      ALLOWED_ORIGINS: "https://app.example",
    });
    expect(originAllowed(req("https://w.example/mcp"), cfg)).toBe(true);
    expect(originAllowed(req("https://w.example/mcp", "https://w.example"), cfg)).toBe(true);
    expect(originAllowed(req("https://w.example/mcp", "https://app.example"), cfg)).toBe(true);
    expect(originAllowed(req("https://w.example/mcp", "https://evil.example"), cfg)).toBe(false);
    expect(originAllowed(req("https://w.example/mcp", "http://localhost:6274"), cfg)).toBe(false);
    expect(originAllowed(req("https://w.example/mcp", "null"), cfg)).toBe(false);
  });

  it("locally allows localhost tools and refuses rebinding hosts", () => {
    const cfg = config({ DEPLOY_ENV: "development" });
    expect(originAllowed(req("http://localhost:8787/mcp", "http://localhost:6274"), cfg)).toBe(true);
    expect(hostAllowed(req("http://localhost:8787/mcp"), cfg)).toBe(true);
    expect(hostAllowed(req("http://127.0.0.1:8787/mcp"), cfg)).toBe(true);
    expect(hostAllowed(req("http://rebind.evil.example:8787/mcp"), cfg)).toBe(false);
  });
});

describe("signed download URLs", () => {
  const secret = "s".repeat(32);
  it("verifies its own signature and refuses forged, tampered and expired ones", async () => {
    const url = new URL(await signDownloadUrl("https://w.example", `/assets/${"a".repeat(64)}.png`, secret, 2000));
    expect(await checkDownloadSignature(url, secret, 1000)).toEqual({ ok: true, expires: 2000 });
    expect((await checkDownloadSignature(url, secret, 2001)) as { reason: string }).toMatchObject({
      ok: false,
      reason: expect.stringContaining("expired"),
    });
    expect(await checkDownloadSignature(url, "t".repeat(32), 1000)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("not valid"),
    });
    const moved = new URL(url);
    moved.pathname = `/assets/${"b".repeat(64)}.png`;
    expect((await checkDownloadSignature(moved, secret, 1000)).ok).toBe(false);
    const extended = new URL(url);
    extended.searchParams.set("exp", "999999");
    expect((await checkDownloadSignature(extended, secret, 1000)).ok).toBe(false);
    const unsigned = new URL(url);
    unsigned.search = "";
    expect(await checkDownloadSignature(unsigned, secret, 1000)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("not signed"),
    });
    const garbage = new URL(url);
    garbage.searchParams.set("sig", "!!!");
    expect((await checkDownloadSignature(garbage, secret, 1000)).ok).toBe(false);
  });
});

describe("Range parsing", () => {
  it("handles start-end, open-ended and suffix ranges", () => {
    expect(parseRange(null, 100)).toBeUndefined();
    expect(parseRange("bytes=0-9", 100)).toEqual({ offset: 0, length: 10 });
    expect(parseRange("bytes=90-", 100)).toEqual({ offset: 90, length: 10 });
    expect(parseRange("bytes=-5", 100)).toEqual({ offset: 95, length: 5 });
    expect(parseRange("bytes=50-500", 100)).toEqual({ offset: 50, length: 50 });
    expect(parseRange("bytes=100-", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=5-2", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=0-1,5-6", 100)).toBeUndefined();
    expect(parseRange("items=0-1", 100)).toBeUndefined();
  });
});

describe("body limit", () => {
  it("refuses declared and streamed bodies over the limit with a JSON-RPC error", async () => {
    const declared = await limitBody(
      new Request("https://w/mcp", { method: "POST", body: "x".repeat(20), headers: { "content-length": "20" } }),
      10,
    );
    expect(declared).toBeInstanceOf(Response);
    expect((declared as Response).status).toBe(413);
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new Uint8Array(8));
        c.enqueue(new Uint8Array(8));
        c.close();
      },
    });
    const streamed = await limitBody(new Request("https://w/mcp", { method: "POST", body: stream, duplex: "half" } as RequestInit), 10);
    expect((streamed as Response).status).toBe(413);
    expect(((await (streamed as Response).json()) as { error: { message: string } }).error.message).toContain("asset id");
    const small = await limitBody(new Request("https://w/mcp", { method: "POST", body: "ok" }), 10);
    expect(small).toBeInstanceOf(Request);
    expect(await (small as Request).text()).toBe("ok");
  });
});

describe("the download route", () => {
  let sha256: string;
  let link: string;
  const bytes = new TextEncoder().encode("download route bytes 0123456789");

  beforeAll(async () => {
    const record = await storeAsset({ bytes, kind: "analysis", mime: "application/json" });
    sha256 = record.sha256;
    link = (await signedDownloadUrl(BASE, sha256, "json", readConfig(env))).url;
  });

  const get = (url: string, headers: Record<string, string> = {}, method = "GET") => worker(url, { method, headers });
  const withParam = (name: string, value: string) => {
    const url = new URL(link);
    url.searchParams.set(name, value);
    return url.toString();
  };

  it("serves the bytes, cacheable privately for no longer than the link lives", async () => {
    const nowSeconds = () => Math.floor(suiteClock().getTime() / 1000);
    const before = nowSeconds();
    const response = await get(link);
    const after = nowSeconds();
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
    const expires = Number(new URL(link).searchParams.get("exp"));
    // The clock may tick between the link's signing, the request and this check: the header's age lies between.
    const maxAge = Number(/max-age=(\d+)/.exec(response.headers.get("cache-control") ?? "")?.[1]);
    expect(response.headers.get("cache-control")).toBe(`private, max-age=${maxAge}, immutable`);
    expect(maxAge).toBeGreaterThanOrEqual(expires - after);
    expect(maxAge).toBeLessThanOrEqual(expires - before);
    expect(expires - before).toBeLessThanOrEqual(readConfig(env).signedUrlTtlSeconds);
  });

  it("answers a malformed sig of any length or alphabet with 403, never 500", async () => {
    const invalid = "This download link's signature is not valid. Ask the server for a fresh link (get_asset).\n";
    for (const sig of [
      "a",
      "ab",
      "abc",
      "A".repeat(43),
      "A".repeat(44),
      "A".repeat(5000),
      "!!!",
      "%00%ff",
      "é日本",
      "====",
      "a=b",
      "+/+/",
    ]) {
      const response = await get(withParam("sig", sig));
      expect(response.status, sig).toBe(403);
      expect(await response.text(), sig).toBe(invalid);
    }
    const empty = await get(withParam("sig", ""));
    expect(empty.status).toBe(403);
    expect(await empty.text()).toBe("This download link is not signed. Ask the server for a fresh link (get_asset).\n");
    for (const exp of ["soon", "1.5", "9".repeat(400), "0x10"]) {
      const response = await get(withParam("exp", exp));
      expect(response.status, exp).toBe(403);
      expect(await response.text(), exp).toBe("This download link has a malformed expiry.\n");
    }
  });

  it("refuses methods other than GET and HEAD with 405 and Allow", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const response = await get(link, {}, method);
      expect(response.status, method).toBe(405);
      expect(response.headers.get("allow")).toBe("GET, HEAD");
    }
    const head = await get(link, {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(bytes.byteLength));
  });

  it("answers 404 for a wrong extension and for a record whose blob is gone", async () => {
    const wrongExt = (await signedDownloadUrl(BASE, sha256, "png", readConfig(env))).url;
    const response = await get(wrongExt);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe(`No asset ${sha256}.png is stored here.\n`);

    const lonely = await storeAsset({
      bytes: new TextEncoder().encode("blob about to vanish"),
      kind: "analysis",
      mime: "application/json",
    });
    await env.ASSETS.delete(`analyses/${lonely.sha256}.json`);
    const gone = await get((await signedDownloadUrl(BASE, lonely.sha256, "json", readConfig(env))).url);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toBe(`Asset ${lonely.sha256} has a record but its blob is missing; run verify_asset.\n`);
  });

  it("answers 304 to a matching If-None-Match: strong, weak, in a list, or *", async () => {
    for (const header of [`"${sha256}"`, `W/"${sha256}"`, `"other", W/"${sha256}"`, "*"]) {
      const response = await get(link, { "if-none-match": header });
      expect(response.status, header).toBe(304);
      expect(response.headers.get("etag")).toBe(`"${sha256}"`);
    }
    const other = await get(link, { "if-none-match": `"other", W/"another"` });
    expect(other.status).toBe(200);
  });

  it("honours a Range only while If-Range names the current ETag; otherwise sends the whole file", async () => {
    const matching = await get(link, { range: "bytes=0-7", "if-range": `"${sha256}"` });
    expect(matching.status).toBe(206);
    expect(matching.headers.get("content-range")).toBe(`bytes 0-7/${bytes.byteLength}`);
    expect(new Uint8Array(await matching.arrayBuffer())).toEqual(bytes.subarray(0, 8));
    for (const ifRange of [`"${"0".repeat(64)}"`, `W/"${sha256}"`, "Wed, 21 Oct 2026 07:28:00 GMT"]) {
      const whole = await get(link, { range: "bytes=0-7", "if-range": ifRange });
      expect(whole.status, ifRange).toBe(200);
      expect(whole.headers.get("content-range")).toBeNull();
      expect(new Uint8Array(await whole.arrayBuffer())).toEqual(bytes);
    }
  });
});
