// An OAuth client driven by hand, the way claude.ai or ChatGPT drives the server: discovery,
// dynamic registration, the sign-in form (as a browser without JavaScript submits it), code +
// PKCE, tokens. Runs inside workerd (the Worker's fetch) and in Node (the real network) alike.

export type Fetcher = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export const REDIRECT_URI = "https://client.example/callback";

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return { verifier, challenge: toBase64Url(new Uint8Array(digest)) };
}

/** Cookies as a browser keeps them for one site: name → value, Max-Age=0 removes. */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      if (attributes.some((a) => a.trim().toLowerCase() === "max-age=0")) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

export async function register(fetcher: Fetcher, base: string, redirectUri = REDIRECT_URI, name = "Test Connector"): Promise<string> {
  const response = await fetcher(`${base}/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: name, redirect_uris: [redirectUri], token_endpoint_auth_method: "none" }),
  });
  if (response.status !== 201) throw new Error(`registration failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { client_id: string }).client_id;
}

export interface AuthorizeParams {
  clientId: string;
  challenge?: string;
  redirectUri?: string;
  state?: string;
  scope?: string;
  method?: string;
}

export function authorizeUrl(base: string, params: AuthorizeParams): string {
  const url = new URL(`${base}/authorize`);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", params.clientId);
  url.searchParams.set("redirect_uri", params.redirectUri ?? REDIRECT_URI);
  url.searchParams.set("state", params.state ?? "state-123");
  url.searchParams.set("resource", `${base}/mcp`);
  if (params.scope !== undefined) url.searchParams.set("scope", params.scope);
  if (params.challenge) {
    url.searchParams.set("code_challenge", params.challenge);
    url.searchParams.set("code_challenge_method", params.method ?? "S256");
  }
  return url.toString();
}

/** GET the page (or its redirect) as a browser: cookies sent and kept, redirects not followed. */
export async function browse(fetcher: Fetcher, url: string, jar: CookieJar, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (jar.cookies.size > 0) headers.set("cookie", jar.header());
  const response = await fetcher(url, { ...init, headers, redirect: "manual" });
  jar.take(response);
  return response;
}

/** The hidden handle in the sign-in page's form. */
export function handleOf(html: string): string {
  const match = /name="handle" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error(`no handle in the page: ${html.slice(0, 400)}`);
  return match[1];
}

/** Submits the page's form, as the browser would (same URL, urlencoded, Origin of the page). */
export function submit(fetcher: Fetcher, pageUrl: string, jar: CookieJar, fields: Record<string, string>): Promise<Response> {
  return browse(fetcher, pageUrl, jar, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: new URL(pageUrl).origin },
    body: new URLSearchParams(fields).toString(),
  });
}

export interface Tokens {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  scope: string;
  token_type: string;
}

export async function tokenRequest(fetcher: Fetcher, base: string, fields: Record<string, string>): Promise<Response> {
  return fetcher(`${base}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
}

export async function exchangeCode(
  fetcher: Fetcher,
  base: string,
  params: { code: string; verifier: string; clientId: string; redirectUri?: string },
): Promise<Response> {
  return tokenRequest(fetcher, base, {
    grant_type: "authorization_code",
    code: params.code,
    code_verifier: params.verifier,
    client_id: params.clientId,
    redirect_uri: params.redirectUri ?? REDIRECT_URI,
    resource: `${base}/mcp`,
  });
}

/** The code and state a redirect back to the client carries, or the error it names. */
export function redirectParams(response: Response): URLSearchParams {
  const location = response.headers.get("location");
  if (response.status !== 302 || !location) throw new Error(`expected a redirect, got ${response.status}`);
  return new URL(location).searchParams;
}

/** A started authorization: the client, its PKCE verifier, the page's URL and the page as the browser got it. */
export interface Authorization {
  clientId: string;
  verifier: string;
  url: string;
  page: Response;
  jar: CookieJar;
}

/** Registers a client (unless given), then opens the sign-in page with a fresh PKCE challenge. */
export async function startAuthorization(
  fetcher: Fetcher,
  base: string,
  options: { jar?: CookieJar; clientId?: string } = {},
): Promise<Authorization> {
  const jar = options.jar ?? new CookieJar();
  const clientId = options.clientId ?? (await register(fetcher, base));
  const { verifier, challenge } = await pkce();
  const url = authorizeUrl(base, { clientId, challenge });
  return { clientId, verifier, url, page: await browse(fetcher, url, jar), jar };
}

/**
 * Signs in on the team form and approves (or, when the browser is remembered, is sent straight
 * back): the authorization code the client receives, not yet exchanged.
 */
export async function approvedCode(
  fetcher: Fetcher,
  base: string,
  options: { teamToken: string; name: string; jar?: CookieJar; clientId?: string },
): Promise<{ code: string; verifier: string; clientId: string; jar: CookieJar }> {
  const { clientId, verifier, url, page, jar } = await startAuthorization(fetcher, base, options);
  let answer = page;
  if (page.status === 200) {
    answer = await submit(fetcher, url, jar, {
      handle: handleOf(await page.text()),
      action: "approve",
      token: options.teamToken,
      name: options.name,
    });
  }
  const params = redirectParams(answer);
  const code = params.get("code");
  if (!code) throw new Error(`no code in the redirect: ${params.toString()}`);
  return { code, verifier, clientId, jar };
}

/** The whole flow with the team form: register, open the page, sign in, exchange the code. */
export async function signInWithTeamToken(
  fetcher: Fetcher,
  base: string,
  options: { teamToken: string; name: string; jar?: CookieJar; clientId?: string },
): Promise<{ tokens: Tokens; clientId: string; jar: CookieJar }> {
  const { code, verifier, clientId, jar } = await approvedCode(fetcher, base, options);
  const response = await exchangeCode(fetcher, base, { code, verifier, clientId });
  if (response.status !== 200) throw new Error(`token exchange failed: ${response.status} ${await response.text()}`);
  return { tokens: (await response.json()) as Tokens, clientId, jar };
}

/** A refresh-token grant (the server rotates the refresh token). */
export function refreshTokens(fetcher: Fetcher, base: string, params: { refreshToken: string; clientId: string }): Promise<Response> {
  return tokenRequest(fetcher, base, { grant_type: "refresh_token", refresh_token: params.refreshToken, client_id: params.clientId });
}

/** RFC 7009 revocation at the token endpoint, with a token_type_hint when given. */
export function revokeToken(
  fetcher: Fetcher,
  base: string,
  params: { token: string; clientId: string; hint?: "access_token" | "refresh_token" },
): Promise<Response> {
  return tokenRequest(fetcher, base, {
    token: params.token,
    ...(params.hint ? { token_type_hint: params.hint } : {}),
    client_id: params.clientId,
  });
}

/** A raw legacy `initialize` for any fetcher, to read the status and challenge an SDK client would only throw; an empty token sends no Authorization header. */
export function initializeRequest(token: string): RequestInit {
  return {
    method: "POST",
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    }),
  };
}
