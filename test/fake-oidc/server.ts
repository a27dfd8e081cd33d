// A small OpenID Connect provider for tests, faithful where the server relies on it: discovery,
// authorization code with PKCE (S256 checked at the token endpoint), client authentication with
// HTTP Basic, single-use codes bound to their redirect URI, RS256 id_tokens with `kid`, a JWKS.
// Instead of a login page, /authorize signs in whoever the test set with `signInAs`.
// It also plays a GitHub OAuth app's side of GitHub under /github (web: authorize, access token,
// which answers a bad code with 200 and `error` as GitHub does) and /github-api (user, e-mails,
// organisation memberships, which need the `read:org` scope).

import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { suiteClock } from "../support/suite-date.ts";

export interface FakeUser {
  sub: string;
  name?: string;
  email?: string;
  email_verified?: boolean;
}

export interface FakeGithubUser {
  id: number;
  login: string;
  name: string | null;
  emails: { email: string; primary: boolean; verified: boolean }[];
  orgs: string[];
}

/** What the next id_token gets wrong, to test that the server refuses it. */
export type IdTokenFault = "wrong-audience" | "wrong-nonce" | "expired" | "foreign-key" | undefined;

export interface RunningFakeOidc {
  /** The issuer, e.g. http://127.0.0.1:9999 (no trailing slash). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  signInAs(user: FakeUser): void;
  signInToGithubAs(user: FakeGithubUser): void;
  /** Scopes the last GitHub authorization asked for. */
  githubScopes: string[];
  setFault(fault: IdTokenFault): void;
  /** Requests seen by /token, to check the server sent its verifier. */
  tokenRequests: URLSearchParams[];
  close(): Promise<void>;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce: string | null;
  user: FakeUser;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

function signJwt(claims: Record<string, unknown>, key: KeyObject, kid: string): string {
  const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid }));
  const payload = b64url(JSON.stringify(claims));
  const signature = sign("RSA-SHA256", Buffer.from(`${header}.${payload}`), key).toString("base64url");
  return `${header}.${payload}.${signature}`;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
}

export async function startFakeOidc(options: { clientId?: string; clientSecret?: string } = {}): Promise<RunningFakeOidc> {
  const clientId = options.clientId ?? "fake-oidc-client";
  const clientSecret = options.clientSecret ?? "fake-oidc-secret-0123456789";
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const foreign = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const kid = "fake-key-1";
  const codes = new Map<string, PendingCode>();
  const tokenRequests: URLSearchParams[] = [];
  let user: FakeUser = { sub: "user-1", name: "Test User", email: "user@example.com", email_verified: true };
  let fault: IdTokenFault;
  let issuer = "";
  let githubUser: FakeGithubUser = { id: 1001, login: "octo", name: "Octo Cat", emails: [], orgs: [] };
  const githubCodes = new Map<string, { redirectUri: string; challenge: string; user: FakeGithubUser; scopes: string[] }>();
  const githubTokens = new Map<string, { user: FakeGithubUser; scopes: string[] }>();
  const githubScopes: string[] = [];

  function githubApi(req: IncomingMessage, res: ServerResponse, path: string): void {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const grant = token ? githubTokens.get(token) : undefined;
    if (!grant) return json(res, 401, { message: "Bad credentials" });
    if (!req.headers["user-agent"])
      return json(res, 403, {
        message: "Request forbidden by administrative rules. Please make sure your request has a User-Agent header",
      });
    if (path === "/user") return json(res, 200, { id: grant.user.id, login: grant.user.login, name: grant.user.name });
    if (path === "/user/emails") return json(res, 200, grant.user.emails);
    const org = /^\/user\/memberships\/orgs\/([^/]+)$/.exec(path)?.[1];
    if (org !== undefined) {
      if (!grant.scopes.includes("read:org"))
        return json(res, 403, { message: "You need at least read:org scope or user scope to list your organization memberships." });
      return grant.user.orgs.includes(decodeURIComponent(org))
        ? json(res, 200, { state: "active", role: "member" })
        : json(res, 404, { message: "Not Found" });
    }
    json(res, 404, { message: "Not Found" });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", issuer);
    if (req.method === "GET" && url.pathname === "/.well-known/openid-configuration") {
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: ["client_secret_basic"],
      });
    }
    if (req.method === "GET" && url.pathname === "/jwks") {
      return json(res, 200, { keys: [{ ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg: "RS256" }] });
    }
    if (req.method === "GET" && url.pathname === "/authorize") {
      const q = url.searchParams;
      const redirectUri = q.get("redirect_uri");
      if (q.get("client_id") !== clientId || !redirectUri)
        return json(res, 400, { error: "invalid_request", error_description: "unknown client or no redirect_uri" });
      const back = new URL(redirectUri);
      back.searchParams.set("state", q.get("state") ?? "");
      if (q.get("response_type") !== "code" || q.get("code_challenge_method") !== "S256" || !q.get("code_challenge")) {
        back.searchParams.set("error", "invalid_request");
      } else {
        const code = randomBytes(16).toString("hex");
        codes.set(code, { clientId, redirectUri, challenge: q.get("code_challenge")!, nonce: q.get("nonce"), user });
        back.searchParams.set("code", code);
      }
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (req.method === "GET" && url.pathname === "/github/login/oauth/authorize") {
      const q = url.searchParams;
      const redirectUri = q.get("redirect_uri");
      if (q.get("client_id") !== clientId || !redirectUri) return json(res, 404, { error: "not_found" });
      const scopes = (q.get("scope") ?? "").split(/[ ,]+/).filter(Boolean);
      githubScopes.splice(0, githubScopes.length, ...scopes);
      const code = randomBytes(10).toString("hex");
      githubCodes.set(code, { redirectUri, challenge: q.get("code_challenge") ?? "", user: githubUser, scopes });
      const back = new URL(redirectUri);
      back.searchParams.set("code", code);
      back.searchParams.set("state", q.get("state") ?? "");
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (req.method === "POST" && url.pathname === "/github/login/oauth/access_token") {
      const form = new URLSearchParams(await body(req));
      const pending = githubCodes.get(form.get("code") ?? "");
      githubCodes.delete(form.get("code") ?? "");
      const verifier = form.get("code_verifier") ?? "";
      const pkceOk = pending && (!pending.challenge || b64url(createHash("sha256").update(verifier).digest()) === pending.challenge);
      if (form.get("client_id") !== clientId || form.get("client_secret") !== clientSecret) {
        return json(res, 200, { error: "incorrect_client_credentials" });
      }
      if (!pending || !pkceOk || pending.redirectUri !== form.get("redirect_uri"))
        return json(res, 200, { error: "bad_verification_code" });
      const accessToken = `gho_${randomBytes(16).toString("hex")}`;
      githubTokens.set(accessToken, { user: pending.user, scopes: pending.scopes });
      return json(res, 200, { access_token: accessToken, token_type: "bearer", scope: pending.scopes.join(",") });
    }
    if (req.method === "GET" && url.pathname.startsWith("/github-api/"))
      return githubApi(req, res, url.pathname.slice("/github-api".length));
    if (req.method === "POST" && url.pathname === "/token") {
      const form = new URLSearchParams(await body(req));
      tokenRequests.push(form);
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      const [id, secret] = Buffer.from(basic ?? "", "base64")
        .toString()
        .split(":")
        .map(decodeURIComponent);
      if (id !== clientId || secret !== clientSecret) return json(res, 401, { error: "invalid_client" });
      const code = form.get("code") ?? "";
      const pending = codes.get(code);
      codes.delete(code);
      const verifier = form.get("code_verifier") ?? "";
      if (
        !pending ||
        pending.redirectUri !== form.get("redirect_uri") ||
        b64url(createHash("sha256").update(verifier).digest()) !== pending.challenge
      ) {
        return json(res, 400, { error: "invalid_grant" });
      }
      const now = Math.floor(suiteClock().getTime() / 1000);
      const claims = {
        iss: issuer,
        sub: pending.user.sub,
        aud: fault === "wrong-audience" ? "someone-else" : clientId,
        iat: fault === "expired" ? now - 7200 : now,
        exp: fault === "expired" ? now - 3600 : now + 300,
        nonce: fault === "wrong-nonce" ? "not-the-nonce" : pending.nonce,
        ...(pending.user.name ? { name: pending.user.name } : {}),
        ...(pending.user.email ? { email: pending.user.email, email_verified: pending.user.email_verified ?? false } : {}),
      };
      const idToken = signJwt(claims, fault === "foreign-key" ? foreign : privateKey, kid);
      return json(res, 200, { access_token: randomBytes(16).toString("hex"), token_type: "Bearer", expires_in: 300, id_token: idToken });
    }
    json(res, 404, { error: "not_found" });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => json(res, 500, { error: "server_error", error_description: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("fake-oidc: no TCP address");
  issuer = `http://127.0.0.1:${address.port}`;
  return {
    issuer,
    clientId,
    clientSecret,
    signInAs: (next) => {
      user = next;
    },
    signInToGithubAs: (next) => {
      githubUser = next;
    },
    githubScopes,
    setFault: (next) => {
      fault = next;
    },
    tokenRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
