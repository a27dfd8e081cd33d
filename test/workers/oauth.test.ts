import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { readConfig } from "../../src/config";
import { tokenPseudonym } from "../../src/http/signing";
import { MAX_FAILURES_PER_ADDRESS } from "../../src/oauth/attempts";
import { verifyIdToken } from "../../src/oauth/oidc";
import { SIGN_IN_WITHDRAWN } from "../../src/oauth/provider";
import { callerOfProps, callerOfUser, type SignedInUser } from "../../src/oauth/user";
import { BASE, call, connect, connectModern, SECOND_TOKEN, structured, TOKEN, worker } from "../support/mcp";
import { workerWith } from "../support/worker-with";
import {
  approvedCode,
  authorizeUrl,
  browse,
  CookieJar,
  exchangeCode,
  handleOf,
  initializeRequest,
  pkce,
  redirectParams,
  refreshTokens,
  register,
  REDIRECT_URI,
  revokeToken,
  signInWithTeamToken,
  submit,
  tokenRequest,
  type Tokens,
} from "../support/oauth-flow";

const METADATA = `${BASE}/.well-known/oauth-protected-resource/mcp`;

const post = (token: string, body: unknown, headers: Record<string, string> = {}) =>
  worker(`${BASE}/mcp`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify(body),
  });

const initialize = (token: string) => worker(`${BASE}/mcp`, initializeRequest(token));

describe("discovery", () => {
  it("answers /mcp and /sse without a token with 401 naming the protected resource metadata", async () => {
    for (const path of ["/mcp", "/sse"]) {
      const response = await worker(`${BASE}${path}`, { method: path === "/mcp" ? "POST" : "GET" });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe(
        `Bearer realm="mcp", resource_metadata="${METADATA}", error="invalid_request", error_description="Send the access token as \`Authorization: Bearer <token>\`."`,
      );
      expect(await response.json()).toEqual({
        error: "invalid_request",
        error_description: "Send the access token as `Authorization: Bearer <token>`.",
      });
    }
  });

  it("publishes RFC 9728 resource metadata for /mcp and RFC 8414 server metadata with S256 only", async () => {
    const resource = (await (await worker(METADATA)).json()) as Record<string, unknown>;
    expect(resource).toMatchObject({ resource: `${BASE}/mcp`, authorization_servers: [BASE], scopes_supported: ["mcp"] });
    const server = (await (await worker(`${BASE}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(server).toMatchObject({
      issuer: BASE,
      authorization_endpoint: `${BASE}/authorize`,
      token_endpoint: `${BASE}/token`,
      registration_endpoint: `${BASE}/register`,
      code_challenge_methods_supported: ["S256"],
      response_types_supported: ["code"],
      scopes_supported: ["mcp", "offline_access"],
    });
    expect(server["grant_types_supported"]).toEqual(expect.arrayContaining(["authorization_code", "refresh_token"]));
  });
});

describe("the sign-in page", () => {
  it("shows the client, where access goes and the scope, in a form bound to this browser", async () => {
    const clientId = await register(worker, BASE, REDIRECT_URI, "Claude <script>");
    const jar = new CookieJar();
    const page = await browse(worker, authorizeUrl(BASE, { clientId, challenge: (await pkce()).challenge }), jar);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toBe("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).toContain("<strong>Claude &#60;script&#62;</strong> (an app that registered itself: its name is not verified)");
    expect(html).toContain("Access will be sent to <strong>client.example</strong>.");
    expect(html).toContain("<code>mcp</code>: use this server&#39;s tools as you");
    // A client asking for refresh tokens sees that too; unknown scopes are not granted.
    const offline = await browse(
      worker,
      authorizeUrl(BASE, { clientId, challenge: (await pkce()).challenge, scope: "mcp offline_access admin" }),
      new CookieJar(),
    );
    const offlineHtml = await offline.text();
    expect(offlineHtml).toContain("<code>offline_access</code>: stay connected without signing in again");
    expect(offlineHtml).not.toContain("<code>admin</code>");
    expect(html).not.toContain("<script>");
    expect(html).not.toMatch(/<script/i);
    // The binding cookie: Secure, HttpOnly, SameSite, host-only.
    const cookie = page.headers.getSetCookie().find((line) => line.startsWith("__Host-oauth-consent"));
    expect(cookie).toMatch(/; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
  });

  it("signs in with a team token and a name, and the token works in both eras", async () => {
    const { tokens } = await signInWithTeamToken(worker, BASE, { teamToken: TOKEN, name: "Ada Lovelace" });
    expect(tokens).toMatchObject({ token_type: "bearer", scope: "mcp", expires_in: 3600 });
    expect(tokens.refresh_token).toBeTruthy();
    const legacy = await connect({ token: tokens.access_token });
    expect(structured<{ tokens: number }>(await call(legacy, "count_tokens", { text: "hello world" })).tokens).toBe(2);
    const modern = await connectModern({ token: tokens.access_token });
    expect((await modern.listTools()).tools.map((tool) => tool.name)).toContain("count_tokens");
    await Promise.all([legacy.close(), modern.close()]);
  });

  it("accepts SIGN_IN_SECRET on the page (never as a bearer token), and remembers the user in a signed cookie", async () => {
    const secret = "sign-in-secret-0123456789";
    const withSecret = workerWith({ SIGN_IN_SECRET: secret });
    const { tokens, jar } = await signInWithTeamToken(withSecret, BASE, { teamToken: secret, name: "Grace" });
    expect(tokens.access_token.split(":")).toHaveLength(3);
    const initialized = await withSecret(`${BASE}/mcp`, initializeRequest(tokens.access_token));
    expect(initialized.status).toBe(200);
    expect((await withSecret(`${BASE}/mcp`, initializeRequest(secret))).status).toBe(401);
    const cookie = jar.cookies.get("__Host-mcp-sign-in")!;
    expect(cookie).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    // A tampered cookie is no sign-in: the page asks for the token again.
    jar.cookies.set(
      "__Host-mcp-sign-in",
      cookie.replace(/^./, (c) => (c === "e" ? "f" : "e")),
    );
    const page = await browse(
      withSecret,
      authorizeUrl(BASE, { clientId: await register(withSecret, BASE), challenge: (await pkce()).challenge }),
      jar,
    );
    expect(await page.text()).toContain('name="token"');
  });

  it("with only SIGN_IN_SECRET, a deployed server signs in through OAuth; with no way in at all it answers 503", async () => {
    const secret = "only-sign-in-secret-0123456789";
    const oauthOnly = workerWith({ DEPLOY_ENV: "production", CLOCK_DATE: undefined, MCP_AUTH_TOKENS: undefined, SIGN_IN_SECRET: secret });
    const { tokens } = await signInWithTeamToken(oauthOnly, BASE, { teamToken: secret, name: "Solo" });
    expect((await oauthOnly(`${BASE}/mcp`, initializeRequest(tokens.access_token))).status).toBe(200);
    expect((await oauthOnly(`${BASE}/mcp`, initializeRequest(TOKEN))).status).toBe(401);
    const closed = workerWith({ DEPLOY_ENV: "production", CLOCK_DATE: undefined, MCP_AUTH_TOKENS: undefined });
    const refused = await closed(`${BASE}/mcp`, initializeRequest(TOKEN));
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error_description: string }).error_description).toContain(
      "Set MCP_AUTH_TOKENS (team bearer tokens) or SIGN_IN_SECRET",
    );
  });

  it("has no sign-in on the open local server, which stays open", async () => {
    const open = workerWith({ DEPLOY_ENV: "development", MCP_AUTH_TOKENS: undefined });
    expect((await open(`${BASE}/authorize`)).status).toBe(404);
    expect((await open(`${BASE}/.well-known/oauth-authorization-server`)).status).toBe(404);
  });

  it("asks only for consent on the next client, and not at all once that client is approved", async () => {
    const jar = new CookieJar();
    await signInWithTeamToken(worker, BASE, { teamToken: TOKEN, name: "Alan", jar });
    const clientId = await register(worker, BASE);
    const url = authorizeUrl(BASE, { clientId, challenge: (await pkce()).challenge });
    const page = await browse(worker, url, jar);
    const html = await page.text();
    expect(html).toContain("Signed in as <strong>Alan</strong> (team).");
    expect(html).not.toContain('name="token"');
    const approved = await submit(worker, url, jar, { handle: handleOf(html), action: "approve" });
    expect(redirectParams(approved).get("code")).toBeTruthy();
    // Remembered: the same client is sent straight back with a code.
    const again = await browse(worker, authorizeUrl(BASE, { clientId, challenge: (await pkce()).challenge }), jar);
    expect(again.status).toBe(302);
    expect(redirectParams(again).get("state")).toBe("state-123");
    // Another person on the same browser: "sign in as someone else" forgets the user and shows the form.
    const other = await register(worker, BASE);
    const otherUrl = authorizeUrl(BASE, { clientId: other, challenge: (await pkce()).challenge });
    const switched = await submit(worker, otherUrl, jar, {
      handle: handleOf(await (await browse(worker, otherUrl, jar)).text()),
      action: "switch",
    });
    expect(switched.status).toBe(200);
    expect(await switched.text()).toContain('name="token"');
    expect(jar.cookies.has("__Host-mcp-sign-in")).toBe(false);
  });

  it("declines with access_denied and the client's state", async () => {
    const clientId = await register(worker, BASE);
    const jar = new CookieJar();
    const url = authorizeUrl(BASE, { clientId, challenge: (await pkce()).challenge, state: "s-deny" });
    const page = await browse(worker, url, jar);
    const denied = await submit(worker, url, jar, { handle: handleOf(await page.text()), action: "deny" });
    const params = redirectParams(denied);
    expect(params.get("error")).toBe("access_denied");
    expect(params.get("state")).toBe("s-deny");
    expect(params.get("code")).toBeNull();
  });

  it("refuses a wrong token and a bad name on the page, keeping the form usable", async () => {
    const clientId = await register(worker, BASE);
    const jar = new CookieJar();
    const url = authorizeUrl(BASE, { clientId, challenge: (await pkce()).challenge });
    const handle = handleOf(await (await browse(worker, url, jar)).text());
    const wrong = await submit(worker, url, jar, { handle, action: "approve", token: "x".repeat(24), name: "Eve" });
    expect(wrong.status).toBe(401);
    const wrongHtml = await wrong.text();
    expect(wrongHtml).toContain("token: this is not the team&#39;s access token. Ask whoever runs this server for it.");
    expect(wrongHtml).toContain('value="Eve"');
    const unnamed = await submit(worker, url, jar, { handle, action: "approve", token: TOKEN, name: "   " });
    expect(unnamed.status).toBe(400);
    expect(await unnamed.text()).toContain("name: enter your name, so your work is yours on every device.");
    const long = await submit(worker, url, jar, { handle, action: "approve", token: TOKEN, name: "n".repeat(65) });
    expect(await long.text()).toContain("name: use at most 64 printable characters.");
    // The same handle still works once the answer is right.
    const right = await submit(worker, url, jar, { handle, action: "approve", token: TOKEN, name: "Eve" });
    expect(redirectParams(right).get("code")).toBeTruthy();
  });

  it("refuses a forged form (no binding cookie) and a handle used twice", async () => {
    const clientId = await register(worker, BASE);
    const jar = new CookieJar();
    const url = authorizeUrl(BASE, { clientId, challenge: (await pkce()).challenge });
    const handle = handleOf(await (await browse(worker, url, jar)).text());
    const forged = await submit(worker, url, new CookieJar(), { handle, action: "approve", token: TOKEN, name: "Mallory" });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain("<h1>This sign-in page has expired</h1>");
    const first = await submit(worker, url, jar, { handle, action: "approve", token: TOKEN, name: "Bob" });
    expect(first.status).toBe(302);
    const replay = await submit(worker, url, jar, { handle, action: "approve", token: TOKEN, name: "Bob" });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain("<h1>This sign-in page has expired</h1>");
  });

  it("refuses a redirect URI the client did not register, on the page and never by redirect", async () => {
    const clientId = await register(worker, BASE);
    for (const redirectUri of [
      "https://client.example/callback/other",
      "https://evil.example/callback",
      "https://client.example/callback?x=1",
    ]) {
      const page = await browse(
        worker,
        authorizeUrl(BASE, { clientId, challenge: (await pkce()).challenge, redirectUri }),
        new CookieJar(),
      );
      expect(page.status).toBe(400);
      expect(page.headers.get("location")).toBeNull();
      expect(await page.text()).toContain("<p>Invalid redirect URI</p>");
    }
  });

  it("sends a request without PKCE, or with plain PKCE, back to the client as invalid_request", async () => {
    const clientId = await register(worker, BASE);
    const missing = await browse(worker, authorizeUrl(BASE, { clientId, state: "s1" }), new CookieJar());
    expect(Object.fromEntries(redirectParams(missing))).toMatchObject({
      error: "invalid_request",
      error_description: "Public clients must use PKCE with the authorization code flow.",
      state: "s1",
    });
    const plain = await browse(worker, authorizeUrl(BASE, { clientId, challenge: "c".repeat(43), method: "plain" }), new CookieJar());
    expect(redirectParams(plain).get("error_description")).toBe("The plain PKCE method is not allowed. Use S256 instead.");
  });

  it("bounds failed attempts per address with a clear 429", async () => {
    const clientId = await register(worker, BASE);
    const jar = new CookieJar();
    const url = authorizeUrl(BASE, { clientId, challenge: (await pkce()).challenge });
    const handle = handleOf(await (await browse(worker, url, jar)).text());
    const attempt = (token: string) =>
      browse(worker, url, jar, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": "203.0.113.9" },
        body: new URLSearchParams({ handle, action: "approve", token, name: "Guesser" }).toString(),
      });
    for (let i = 0; i < MAX_FAILURES_PER_ADDRESS; i++) expect((await attempt(`guess-${i}-0123456789abcdef`)).status).toBe(401);
    const blocked = await attempt(TOKEN);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("retry-after")).toBe("900");
    expect(await blocked.text()).toContain("Too many wrong access tokens were tried. Wait 15 minutes, then try again.");
  });
});

describe("tokens", () => {
  it("refuses a code without its PKCE verifier, and a code exchanged twice", async () => {
    const { code, verifier, clientId } = await approvedCode(worker, BASE, { teamToken: TOKEN, name: "Di" });
    const wrongVerifier = await exchangeCode(worker, BASE, { code, verifier: (await pkce()).verifier, clientId });
    expect(wrongVerifier.status).toBe(400);
    expect(((await wrongVerifier.json()) as { error: string }).error).toBe("invalid_grant");
    const noVerifier = await tokenRequest(worker, BASE, {
      grant_type: "authorization_code",
      code,
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
    });
    expect(noVerifier.status).toBe(400);
    expect((await exchangeCode(worker, BASE, { code, verifier, clientId })).status).toBe(200);
    const again = await exchangeCode(worker, BASE, { code, verifier, clientId });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("rotates refresh tokens, and a revoked token gets 401 with the challenge", async () => {
    const { tokens, clientId } = await signInWithTeamToken(worker, BASE, { teamToken: TOKEN, name: "Refresher" });
    const refreshed = await refreshTokens(worker, BASE, { refreshToken: tokens.refresh_token!, clientId });
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as Tokens;
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect((await initialize(next.access_token)).status).toBe(200);

    const revoked = await revokeToken(worker, BASE, { token: next.access_token, clientId, hint: "access_token" });
    expect(revoked.status).toBe(200);
    const refused = await initialize(next.access_token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe(
      `Bearer realm="OAuth", resource_metadata="${METADATA}", error="invalid_token", scope="mcp"`,
    );
  });

  it("keeps team bearer tokens working with the existing wording for a wrong one", async () => {
    expect((await initialize(TOKEN)).status).toBe(200);
    const wrong = await initialize("not-a-team-token-0123456789");
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: "invalid_token", error_description: "The access token is not valid for this server." });
    expect(wrong.headers.get("www-authenticate")).toBe(
      `Bearer realm="OAuth", resource_metadata="${METADATA}", error="invalid_token", scope="mcp"`,
    );
  });

  it("serves /sse to an OAuth token and refuses a forged one", async () => {
    const { tokens } = await signInWithTeamToken(worker, BASE, { teamToken: TOKEN, name: "Sse User" });
    const controller = new AbortController();
    const stream = await worker(`${BASE}/sse`, { headers: { authorization: `Bearer ${tokens.access_token}` }, signal: controller.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    await stream.body?.cancel();
    const [user, grant] = tokens.access_token.split(":");
    const forged = await worker(`${BASE}/sse`, { headers: { authorization: `Bearer ${user}:${grant}:forged-secret` } });
    expect(forged.status).toBe(401);
    expect(forged.headers.get("www-authenticate")).toContain(`resource_metadata="${METADATA}", error="invalid_token"`);
  });
});

describe("who the caller is", () => {
  const config = readConfig(env);
  const ada: SignedInUser = {
    provider: "team",
    subject: "ada lovelace",
    name: "Ada Lovelace",
    email: null,
    login: null,
    credential: null,
    groups: [],
  };

  it("derives a signed-in user's pseudonym from provider and subject, and a team token's as before", async () => {
    const caller = await callerOfUser(ada, config);
    expect(caller).toEqual({ id: expect.stringMatching(/^[0-9a-f]{32}$/), name: "Ada Lovelace", admin: false });
    expect(await callerOfUser({ ...ada, name: "Ada L." }, config)).toEqual({ ...caller, name: "Ada L." });
    expect((await callerOfUser({ ...ada, provider: "oidc" }, config)).id).not.toBe(caller.id);
    const teamCaller = { id: await tokenPseudonym(TOKEN, config.signingKey), name: null, admin: false };
    expect(await callerOfProps({ via: "team-token", caller: teamCaller }, config)).toEqual(teamCaller);
  });

  it("makes ADMIN_USERS admins by oidc:<sub> or verified e-mail, never a name typed on the team form", async () => {
    const admins = { ...config, signIn: { ...config.signIn, adminUsers: ["oidc:u-2", "ops@example.com", "team:ada lovelace"] } };
    const oidcUser: SignedInUser = {
      provider: "oidc",
      subject: "u-1",
      name: "Ops",
      email: "OPS@example.com",
      login: null,
      credential: null,
      groups: [],
    };
    expect((await callerOfUser(oidcUser, admins)).admin).toBe(true);
    expect((await callerOfUser({ ...oidcUser, subject: "u-2", email: null }, admins)).admin).toBe(true);
    expect((await callerOfUser({ ...oidcUser, subject: "u-3", email: "dev@example.com" }, admins)).admin).toBe(false);
    expect((await callerOfUser(ada, admins)).admin).toBe(false);
  });

  it("ends a team sign-in when the token or secret typed is withdrawn", async () => {
    const first = workerWith({ SIGN_IN_SECRET: "first-sign-in-secret-0123" });
    const { tokens } = await signInWithTeamToken(first, BASE, { teamToken: "first-sign-in-secret-0123", name: "Temp" });
    expect((await first(`${BASE}/mcp`, initializeRequest(tokens.access_token))).status).toBe(200);
    const rotated = workerWith({ SIGN_IN_SECRET: "second-sign-in-secret-0123" });
    const refused = await rotated(`${BASE}/mcp`, initializeRequest(tokens.access_token));
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: "invalid_token", error_description: SIGN_IN_WITHDRAWN });
    expect(refused.headers.get("www-authenticate")).toContain(`resource_metadata="${METADATA}"`);
  });

  it("binds a session to its user: the same person from another client joins it, a team token does not", async () => {
    const jar = new CookieJar();
    const first = await signInWithTeamToken(worker, BASE, { teamToken: TOKEN, name: "Owner Person", jar });
    const client = await connect({ token: first.tokens.access_token });
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
    const list = (token: string) =>
      post(token, { jsonrpc: "2.0", id: 2, method: "tools/list" }, { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" });
    // Another device: a fresh browser, the same name, another client registration.
    const second = await signInWithTeamToken(worker, BASE, { teamToken: SECOND_TOKEN, name: "owner  person" });
    expect((await list(second.tokens.access_token)).status).toBe(200);
    expect((await list(TOKEN)).status).toBe(404);
    const stranger = await signInWithTeamToken(worker, BASE, { teamToken: TOKEN, name: "Someone Else" });
    expect((await list(stranger.tokens.access_token)).status).toBe(404);
    await client.close();
  });
});

describe("sign-in configuration", () => {
  const baseEnv = { ...env, MCP_AUTH_TOKENS: undefined, SIGN_IN_SECRET: undefined } as Env;
  const problemsOf = (vars: Record<string, string | undefined>) => {
    try {
      readConfig({ ...baseEnv, ...vars } as Env);
      return [];
    } catch (error) {
      return (error as { problems: string[] }).problems;
    }
  };

  it("reads token lifetimes, admins and the allow-list, lower-cased", () => {
    const config = readConfig({
      ...baseEnv,
      OAUTH_ACCESS_TOKEN_TTL_SECONDS: "600",
      OAUTH_REFRESH_TOKEN_TTL_SECONDS: "86400",
      ADMIN_USERS: "oidc:Ada, Ops@Example.com",
    } as Env);
    expect(config.signIn).toMatchObject({
      accessTokenTtlSeconds: 600,
      refreshTokenTtlSeconds: 86400,
      adminUsers: ["oidc:ada", "ops@example.com"],
    });
    expect(readConfig(baseEnv).signIn).toMatchObject({ accessTokenTtlSeconds: 3600, refreshTokenTtlSeconds: 2_592_000 });
  });

  it("names bad sign-in settings and how to fix each", () => {
    expect(problemsOf({ OAUTH_ACCESS_TOKEN_TTL_SECONDS: "30" })).toEqual([
      'OAUTH_ACCESS_TOKEN_TTL_SECONDS: must be a whole number of seconds, at least 60, got "30"',
    ]);
    expect(problemsOf({ OAUTH_REFRESH_TOKEN_TTL_SECONDS: "1.5e3x" })).toEqual([
      'OAUTH_REFRESH_TOKEN_TTL_SECONDS: must be a whole number of seconds, at least 60, got "1.5e3x"',
    ]);
    expect(problemsOf({ ADMIN_USERS: "ops@example.com,team:Ada" })).toEqual([
      'ADMIN_USERS: "team:ada" cannot be an admin: the sign-in form trusts the name typed, so anyone with the team token could claim it; name a GitHub or OIDC user (github:<login>, e-mail or oidc:<sub>) instead',
    ]);
    expect(problemsOf({ SIGN_IN_SECRET: "short" })).toEqual([
      "SIGN_IN_SECRET: must be at least 16 characters (generate one with `openssl rand -hex 32`)",
    ]);
    expect(problemsOf({ OIDC_ISSUER: "https://idp.example", ALLOWED_USERS: "@example.com" })).toEqual([
      "OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET: set all three to sign in through an OpenID Connect provider, or none",
    ]);
    expect(problemsOf({ GITHUB_CLIENT_ID: "Iv1.abc", ALLOWED_USERS: "github:octocat" })).toEqual([
      "GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET: set both to sign in with GitHub, or neither",
    ]);
    expect(
      problemsOf({ DEPLOY_ENV: "production", CLOCK_DATE: undefined, SIGNING_KEY: "k".repeat(32), GITHUB_URL: "http://ghe.example" }),
    ).toEqual(["GITHUB_URL: must be an https URL on a deployed server"]);
    expect(problemsOf({ OIDC_ISSUER: "https://idp.example", OIDC_CLIENT_ID: "id", OIDC_CLIENT_SECRET: "secret" })).toEqual([
      "ALLOWED_USERS: required with an upstream sign-in provider, or anyone with an account there could sign in; list e-mail addresses, @domains, github:<login>, github-org:<org> or provider:subject",
    ]);
  });
});

describe("Client ID Metadata Documents", () => {
  it("takes an https client_id as the client, shows its domain, and signs in with its redirect URI", async () => {
    const clientId = "https://connector.example/oauth/client.json";
    const redirectUri = "https://connector.example/oauth/callback";
    const document = {
      client_id: clientId,
      client_name: "Hosted Connector",
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: "none",
    };
    const realFetch = globalThis.fetch;
    const fetched: string[] = [];
    // The library fetches the document with the global fetch; answer it here, as the client's site would.
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url !== clientId) return realFetch(input, init);
      fetched.push(url);
      return Response.json(document);
    });
    try {
      const jar = new CookieJar();
      const { verifier, challenge } = await pkce();
      const url = authorizeUrl(BASE, { clientId, challenge, redirectUri });
      const page = await browse(worker, url, jar);
      const html = await page.text();
      expect(html).toContain("<strong>Hosted Connector</strong> (published by <strong>connector.example</strong>)");
      // Fetched from the client's own URL (once per lookup: parsing, then describing the request).
      expect([...new Set(fetched)]).toEqual([clientId]);
      const answer = await submit(worker, url, jar, { handle: handleOf(html), action: "approve", token: TOKEN, name: "Cimd User" });
      const code = redirectParams(answer).get("code")!;
      const exchanged = await exchangeCode(worker, BASE, { code, verifier, clientId, redirectUri });
      expect(exchanged.status).toBe(200);
      // A redirect URI the document does not list is refused on the page.
      const other = await browse(
        worker,
        authorizeUrl(BASE, { clientId, challenge, redirectUri: "https://connector.example/elsewhere" }),
        new CookieJar(),
      );
      expect(other.status).toBe(400);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("id_token checks", () => {
  const settings = { issuer: "https://idp.example", clientId: "client-1" };
  const now = 2_000_000_000;
  const b64 = (value: unknown) => btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const claims = { iss: settings.issuer, sub: "u1", aud: "client-1", iat: now, exp: now + 300, nonce: "n1" };

  async function signed(payload: Record<string, unknown>, header: Record<string, unknown> = { alg: "ES256", kid: "k1" }) {
    const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const input = `${b64(header)}.${b64(payload)}`;
    const signature = new Uint8Array(
      await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, new TextEncoder().encode(input)),
    );
    let binary = "";
    for (const byte of signature) binary += String.fromCharCode(byte);
    const jwk = { ...((await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey), kid: "k1" };
    return { token: `${input}.${btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`, jwk };
  }

  it("accepts a valid ES256 token and refuses unsigned, malformed, foreign and mismatched ones", async () => {
    const good = await signed(claims);
    await expect(verifyIdToken(good.token, [good.jwk], settings, "n1", now)).resolves.toMatchObject({ sub: "u1" });
    const unsigned = `${b64({ alg: "none" })}.${b64(claims)}.`;
    await expect(verifyIdToken(unsigned, [good.jwk], settings, "n1", now)).rejects.toThrow("The sign-in provider's id_token is malformed.");
    await expect(verifyIdToken("not-a-jwt", [good.jwk], settings, "n1", now)).rejects.toThrow(
      "The sign-in provider's id_token is malformed.",
    );
    const other = await signed(claims);
    await expect(verifyIdToken(other.token, [good.jwk], settings, "n1", now)).rejects.toThrow(
      "The sign-in provider's id_token signature does not verify.",
    );
    const foreignIssuer = await signed({ ...claims, iss: "https://evil.example" });
    await expect(verifyIdToken(foreignIssuer.token, [foreignIssuer.jwk], settings, "n1", now)).rejects.toThrow(
      "The id_token was issued by another provider.",
    );
    const twoAudiences = await signed({ ...claims, aud: ["client-1", "client-2"], azp: "client-2" });
    await expect(verifyIdToken(twoAudiences.token, [twoAudiences.jwk], settings, "n1", now)).rejects.toThrow(
      "The id_token was issued to another application.",
    );
    const future = await signed({ ...claims, iat: now + 3600, exp: now + 7200 });
    await expect(verifyIdToken(future.token, [future.jwk], settings, "n1", now)).rejects.toThrow(
      "The id_token was issued in the future. Check the clocks.",
    );
  });
});
