// Sign-in end to end against the real bundle under `wrangler dev`: the official MCP SDK client's
// OAuth support (discovery, dynamic registration, PKCE, tokens) with the sign-in form submitted as
// a browser without JavaScript would; both protocol eras; refresh, revocation and expiry; the
// refusals a hostile client meets; an upstream OpenID Connect provider (the fake in test/fake-oidc).
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOidc, type RunningFakeOidc } from "../fake-oidc/server";
import { startLocalStack, type LocalStack } from "../support/local-stack";
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
  revokeToken,
  signInWithTeamToken,
  startAuthorization,
  submit,
  type Tokens,
} from "../support/oauth-flow";
import { callOk, connectSse, connectStreamable } from "./clients";

const TOKEN = "e2e-oauth-token-0123456789abcdef";
const SIGNING_KEY = "e2e-oauth-signing-key-0123456789abcdefghijk";
const ACCESS_TTL_SECONDS = 60;

let stack: LocalStack;
let oidc: RunningFakeOidc;
let base: string;
/** A token signed in first, checked for expiry last, so the wait overlaps the other tests. */
let early: { tokens: Tokens; at: number };

beforeAll(async () => {
  oidc = await startFakeOidc();
  stack = await startLocalStack({
    token: TOKEN,
    signingKey: SIGNING_KEY,
    vars: {
      OIDC_ISSUER: oidc.issuer,
      OIDC_CLIENT_ID: oidc.clientId,
      OIDC_CLIENT_SECRET: oidc.clientSecret,
      OIDC_NAME: "Fake IdP",
      GITHUB_CLIENT_ID: oidc.clientId,
      GITHUB_CLIENT_SECRET: oidc.clientSecret,
      GITHUB_URL: `${oidc.issuer}/github`,
      GITHUB_API_URL: `${oidc.issuer}/github-api`,
      ALLOWED_USERS: "user@example.com,@team.example,github:octo-friend,github-org:acme",
      OAUTH_ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TTL_SECONDS),
    },
  });
  base = stack.base;
  early = { tokens: (await signInWithTeamToken(fetch, base, { teamToken: TOKEN, name: "Early Bird" })).tokens, at: Date.now() };
});

afterAll(async () => {
  await stack?.stop();
  await oidc?.close();
});

/** A raw `initialize`, to read the status and challenge an SDK client would only throw. */
function initialize(token: string): Promise<Response> {
  return fetch(`${base}/mcp`, initializeRequest(token));
}

/** The SDK's OAuth client hooks, with "the browser" being the sign-in form submitted over fetch. */
class FormSigningProvider implements OAuthClientProvider {
  private info?: OAuthClientInformationMixed;
  private saved?: OAuthTokens;
  private verifier = "";
  readonly jar = new CookieJar();
  /** The code the last authorization sent back to the redirect URI. */
  code?: string;
  constructor(private readonly name: string) {}
  get redirectUrl(): string {
    return "http://localhost:7777/callback";
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "SDK e2e client",
      redirect_uris: [this.redirectUrl],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  async redirectToAuthorization(url: URL) {
    const page = await browse(fetch, url.toString(), this.jar);
    if (page.status !== 200) throw new Error(`sign-in page: ${page.status} ${await page.text()}`);
    const answer = await submit(fetch, url.toString(), this.jar, {
      handle: handleOf(await page.text()),
      action: "approve",
      token: TOKEN,
      name: this.name,
    });
    this.code = redirectParams(answer).get("code") ?? undefined;
  }
}

describe("the official SDK client signs in by itself", () => {
  it("discovers, registers, signs in through the form, and calls tools in both eras", async () => {
    const provider = new FormSigningProvider("Sdk User");
    const first = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { authProvider: provider });
    await expect(new Client({ name: "e2e", version: "1" }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.code).toBeTruthy();
    await first.finishAuth(provider.code!);
    const tokens = provider.tokens()!;
    expect(tokens.token_type.toLowerCase()).toBe("bearer");

    const client = new Client({ name: "e2e", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { authProvider: provider }));
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("count_tokens");
    expect((await callOk(client, "count_tokens", { text: "hello world" })).structuredContent).toMatchObject({ tokens: 2 });
    await client.close();

    const modern = new ModernClient({ name: "e2e-2026", version: "1" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
    await modern.connect(
      new ModernTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${tokens.access_token}` } } }),
    );
    expect((await modern.listTools()).tools.map((tool) => tool.name)).toContain("count_tokens");
    const counted = await modern.callTool({ name: "count_tokens", arguments: { text: "hello world" } });
    expect(counted.structuredContent).toMatchObject({ tokens: 2 });
    await modern.close();

    const sse = await connectSse(base, tokens.access_token);
    expect((await callOk(sse, "count_tokens", { text: "hello world" })).structuredContent).toMatchObject({ tokens: 2 });
    await sse.close();
  });

  it("keeps team bearer tokens working on the same URL", async () => {
    const client = await connectStreamable(base, TOKEN);
    expect((await callOk(client, "count_tokens", { text: "hello world" })).structuredContent).toMatchObject({ tokens: 2 });
    await client.close();
  });
});

describe("tokens over the network", () => {
  it("refreshes with rotation, then a revoked token gets 401 with the challenge", async () => {
    const { tokens, clientId } = await signInWithTeamToken(fetch, base, { teamToken: TOKEN, name: "Rotator" });
    const refreshed = await refreshTokens(fetch, base, { refreshToken: tokens.refresh_token!, clientId });
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as Tokens;
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    const client = await connectStreamable(base, next.access_token);
    await client.close();
    const revoke = await revokeToken(fetch, base, { token: next.access_token, clientId });
    expect(revoke.status).toBe(200);
    const refused = await initialize(next.access_token);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: "invalid_token", error_description: "Invalid access token" });
    expect(refused.headers.get("www-authenticate")).toBe(
      `Bearer realm="OAuth", resource_metadata="${base}/.well-known/oauth-protected-resource/mcp", error="invalid_token", scope="mcp"`,
    );
  });

  it("refuses a wrong redirect URI, a request without PKCE, a reused code and a forged upstream state", async () => {
    const clientId = await register(fetch, base);
    const wrong = await browse(
      fetch,
      authorizeUrl(base, { clientId, challenge: (await pkce()).challenge, redirectUri: "https://evil.example/cb" }),
      new CookieJar(),
    );
    expect([wrong.status, wrong.headers.get("location")]).toEqual([400, null]);
    const noPkce = await browse(fetch, authorizeUrl(base, { clientId }), new CookieJar());
    expect(redirectParams(noPkce).get("error")).toBe("invalid_request");

    const { code, verifier, jar } = await approvedCode(fetch, base, { teamToken: TOKEN, name: "Reuser", clientId });
    expect((await exchangeCode(fetch, base, { code, verifier, clientId })).status).toBe(200);
    const reused = await exchangeCode(fetch, base, { code, verifier, clientId });
    expect([reused.status, ((await reused.json()) as { error: string }).error]).toEqual([400, "invalid_grant"]);

    const forged = await browse(fetch, `${base}/oauth/callback?code=abc&state=forged-state`, jar);
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain("<h1>This sign-in page has expired</h1>");
  });
});

/** Register, open the page, choose the provider, follow it back; the response at the client's redirect URI. */
async function signInUpstream(action: "oidc" | "github" = "oidc"): Promise<{ response: Response; verifier: string; clientId: string }> {
  const { clientId, verifier, url, page, jar } = await startAuthorization(fetch, base);
  const html = await page.text();
  expect(html).toContain(`<button name="action" value="${action}" formnovalidate>`);
  const toProvider = await submit(fetch, url, jar, { handle: handleOf(html), action });
  const providerUrl = toProvider.headers.get("location")!;
  expect(providerUrl.startsWith(action === "oidc" ? `${oidc.issuer}/authorize?` : `${oidc.issuer}/github/login/oauth/authorize?`)).toBe(
    true,
  );
  const back = await fetch(providerUrl, { redirect: "manual" });
  return { response: await browse(fetch, back.headers.get("location")!, jar), verifier, clientId };
}

describe("an upstream OpenID Connect provider", () => {
  it("signs in an allowed user with code + PKCE and a verified id_token", async () => {
    oidc.signInAs({ sub: "idp-42", name: "Idp Person", email: "someone@team.example", email_verified: true });
    const { response, verifier, clientId } = await signInUpstream();
    const code = redirectParams(response).get("code")!;
    expect(oidc.tokenRequests.at(-1)?.get("code_verifier")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const exchanged = await exchangeCode(fetch, base, { code, verifier, clientId });
    expect(exchanged.status).toBe(200);
    const client = await connectStreamable(base, ((await exchanged.json()) as Tokens).access_token);
    expect((await callOk(client, "count_tokens", { text: "hello world" })).structuredContent).toMatchObject({ tokens: 2 });
    await client.close();
  });

  it("refuses a user not on ALLOWED_USERS, and an unverified e-mail does not count", async () => {
    oidc.signInAs({ sub: "idp-7", name: "Outsider", email: "outsider@elsewhere.example", email_verified: true });
    const outsider = await signInUpstream();
    expect(outsider.response.status).toBe(403);
    expect(await outsider.response.text()).toContain(
      "outsider@elsewhere.example is not on this server&#39;s list of users (ALLOWED_USERS).",
    );
    oidc.signInAs({ sub: "idp-8", name: "Unverified", email: "user@example.com", email_verified: false });
    const unverified = await signInUpstream();
    expect(unverified.response.status).toBe(403);
    expect(await unverified.response.text()).toContain("oidc:idp-8 is not on this server&#39;s list of users");
  });

  it("refuses id_tokens for another audience, with a foreign key, a wrong nonce or expired", async () => {
    oidc.signInAs({ sub: "idp-42", name: "Idp Person", email: "someone@team.example", email_verified: true });
    const expected = {
      "wrong-audience": "The id_token was issued to another application.",
      "foreign-key": "The sign-in provider&#39;s id_token signature does not verify.",
      "wrong-nonce": "The id_token does not belong to this sign-in (nonce mismatch).",
      expired: "The id_token has expired. Sign in again.",
    } as const;
    try {
      for (const [fault, message] of Object.entries(expected)) {
        oidc.setFault(fault as keyof typeof expected);
        const { response } = await signInUpstream();
        expect(response.status).toBe(502);
        expect(await response.text()).toContain(message);
      }
    } finally {
      oidc.setFault(undefined);
    }
  });
});

describe("GitHub", () => {
  const octo = { id: 4242, login: "octo-friend", name: "Octo Friend", emails: [], orgs: [] };

  it("signs in a user ALLOWED_USERS names by login, with PKCE and read:org asked for the named org", async () => {
    oidc.signInToGithubAs(octo);
    const { response, verifier, clientId } = await signInUpstream("github");
    expect(oidc.githubScopes).toEqual(["read:user", "user:email", "read:org"]);
    const exchanged = await exchangeCode(fetch, base, { code: redirectParams(response).get("code")!, verifier, clientId });
    expect(exchanged.status).toBe(200);
    const client = await connectStreamable(base, ((await exchanged.json()) as Tokens).access_token);
    expect((await callOk(client, "count_tokens", { text: "hello world" })).structuredContent).toMatchObject({ tokens: 2 });
    await client.close();
  });

  it("admits a member of an allowed organisation or a verified team e-mail, and refuses others", async () => {
    oidc.signInToGithubAs({ id: 5, login: "member", name: null, emails: [], orgs: ["acme"] });
    expect(redirectParams((await signInUpstream("github")).response).get("code")).toBeTruthy();
    oidc.signInToGithubAs({
      id: 6,
      login: "mailer",
      name: "M",
      emails: [{ email: "m@team.example", primary: true, verified: true }],
      orgs: [],
    });
    expect(redirectParams((await signInUpstream("github")).response).get("code")).toBeTruthy();
    oidc.signInToGithubAs({
      id: 7,
      login: "stranger",
      name: "S",
      emails: [{ email: "s@team.example", primary: true, verified: false }],
      orgs: ["other"],
    });
    const refused = (await signInUpstream("github")).response;
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("github:stranger is not on this server&#39;s list of users (ALLOWED_USERS).");
  });
});

describe("expiry", () => {
  it(`answers an access token past its ${ACCESS_TTL_SECONDS} s lifetime with 401`, async () => {
    const wait = early.at + (ACCESS_TTL_SECONDS + 2) * 1000 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const response = await initialize(early.tokens.access_token);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });
});
