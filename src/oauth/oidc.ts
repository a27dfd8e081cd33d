import { z } from "zod";
import { fromBase64, toBase64Url } from "../encoding";
import type { OidcSettings } from "../config";
import type { SignedInUser } from "./user";

/**
 * Sign-in through an OpenID Connect provider (Cloudflare Access, Google, Okta, Keycloak…):
 * discovery, authorization code with PKCE, and an id_token verified here with the provider's
 * JWKS through WebCrypto. Only what the token proves is trusted: `sub`, a verified e-mail.
 */

/** Why sign-in through the provider failed, worded for the person at the browser. */
export class UpstreamSignInError extends Error {
  override name = "UpstreamSignInError";
}

const Discovery = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
});
export type Discovery = z.infer<typeof Discovery>;

const TIMEOUT_MS = 10_000;
const CLOCK_SKEW_SECONDS = 60;

async function fetchJson(url: string, init: RequestInit, what: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch {
    throw new UpstreamSignInError(`The sign-in provider could not be reached (${what}). Try again in a moment.`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new UpstreamSignInError(`The sign-in provider refused the ${what} request (HTTP ${response.status}).`);
  }
  try {
    return await response.json();
  } catch {
    throw new UpstreamSignInError(`The sign-in provider's ${what} answer is not JSON.`);
  }
}

/** The provider's endpoints from its discovery document, which must name the configured issuer exactly. */
export async function discover(settings: OidcSettings): Promise<Discovery> {
  const body = await fetchJson(`${settings.issuer}/.well-known/openid-configuration`, {}, "discovery");
  const parsed = Discovery.safeParse(body);
  if (!parsed.success) throw new UpstreamSignInError("The sign-in provider's discovery document lacks its endpoints.");
  if (parsed.data.issuer.replace(/\/+$/, "") !== settings.issuer) {
    throw new UpstreamSignInError("The sign-in provider's discovery document names another issuer than OIDC_ISSUER.");
  }
  return parsed.data;
}

/** A random URL-safe string (PKCE verifier, nonce). */
export function randomToken(bytes = 32): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function s256(verifier: string): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
}

/** What the callback needs back from the redirect: kept encrypted by the OAuth library's upstream helpers. */
export interface UpstreamData {
  method: "oidc" | "github";
  verifier: string;
  nonce: string;
}

export async function oidcAuthorizeUrl(
  discovery: Discovery,
  settings: OidcSettings,
  redirectUri: string,
  state: string,
  data: UpstreamData,
): Promise<string> {
  const url = new URL(discovery.authorization_endpoint);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", settings.clientId);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("scope", "openid email profile");
  url.searchParams.set("state", state);
  url.searchParams.set("nonce", data.nonce);
  url.searchParams.set("code_challenge", await s256(data.verifier));
  url.searchParams.set("code_challenge_method", "S256");
  return url.toString();
}

const TokenAnswer = z.object({ id_token: z.string().min(1) });

/** Exchanges the code (with the PKCE verifier) and verifies the id_token it returns. */
export async function oidcUser(
  discovery: Discovery,
  settings: OidcSettings,
  code: string,
  redirectUri: string,
  data: UpstreamData,
  nowSeconds: number,
): Promise<SignedInUser> {
  const body = new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: data.verifier });
  const basic = btoa(`${encodeURIComponent(settings.clientId)}:${encodeURIComponent(settings.clientSecret)}`);
  const answer = TokenAnswer.safeParse(
    await fetchJson(
      discovery.token_endpoint,
      { method: "POST", body, headers: { authorization: `Basic ${basic}`, accept: "application/json" } },
      "token",
    ),
  );
  if (!answer.success) throw new UpstreamSignInError("The sign-in provider returned no id_token.");
  const jwks = Jwks.safeParse(await fetchJson(discovery.jwks_uri, {}, "key set"));
  if (!jwks.success) throw new UpstreamSignInError("The sign-in provider's key set is malformed.");
  const claims = await verifyIdToken(answer.data.id_token, jwks.data.keys, settings, data.nonce, nowSeconds);
  const email = claims.email && claims.email_verified === true ? claims.email : null;
  return {
    provider: "oidc",
    subject: claims.sub,
    name: claims.name ?? claims.preferred_username ?? email ?? claims.sub,
    email,
    login: null,
    credential: null,
    groups: [],
  };
}

const Header = z.object({ alg: z.enum(["RS256", "ES256"]), kid: z.string().optional() });
export const Claims = z.object({
  iss: z.string(),
  sub: z.string().min(1).max(256),
  aud: z.union([z.string(), z.array(z.string())]),
  azp: z.string().optional(),
  exp: z.number(),
  iat: z.number(),
  nonce: z.string().optional(),
  name: z.string().max(256).optional(),
  preferred_username: z.string().max(256).optional(),
  email: z.string().max(320).optional(),
  email_verified: z.boolean().optional(),
});
export type Claims = z.infer<typeof Claims>;

const Jwk = z.looseObject({ kty: z.string(), kid: z.string().optional(), alg: z.string().optional(), use: z.string().optional() });
const Jwks = z.object({ keys: z.array(Jwk) });

function decodePart(part: string | undefined): unknown {
  const bytes = part === undefined ? undefined : fromBase64(part);
  if (!bytes) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

const ALGORITHMS = {
  RS256: { import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verify: { name: "RSASSA-PKCS1-v1_5" }, kty: "RSA" },
  ES256: { import: { name: "ECDSA", namedCurve: "P-256" }, verify: { name: "ECDSA", hash: "SHA-256" }, kty: "EC" },
} as const;

/** Checks signature (JWKS), issuer, audience, expiry and nonce; returns the claims only when all hold. */
export async function verifyIdToken(
  token: string,
  keys: JsonWebKey[],
  settings: Pick<OidcSettings, "issuer" | "clientId">,
  nonce: string,
  nowSeconds: number,
): Promise<Claims> {
  const parts = token.split(".");
  const header = Header.safeParse(decodePart(parts[0]));
  const claims = Claims.safeParse(decodePart(parts[1]));
  const signature = parts[2] === undefined ? undefined : fromBase64(parts[2]);
  if (parts.length !== 3 || !header.success || !claims.success || !signature) {
    throw new UpstreamSignInError("The sign-in provider's id_token is malformed.");
  }
  const algorithm = ALGORITHMS[header.data.alg];
  const candidates = (keys as z.infer<typeof Jwk>[]).filter(
    (key) => key.kty === algorithm.kty && (header.data.kid === undefined || key.kid === header.data.kid) && key.use !== "enc",
  );
  const signed = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
  let verified = false;
  for (const jwk of candidates) {
    let key: CryptoKey;
    try {
      key = await crypto.subtle.importKey("jwk", jwk as JsonWebKey, algorithm.import, false, ["verify"]);
    } catch {
      continue;
    }
    if (await crypto.subtle.verify(algorithm.verify, key, signature, signed)) {
      verified = true;
      break;
    }
  }
  if (!verified) throw new UpstreamSignInError("The sign-in provider's id_token signature does not verify.");
  const c = claims.data;
  const audiences = Array.isArray(c.aud) ? c.aud : [c.aud];
  if (c.iss.replace(/\/+$/, "") !== settings.issuer) throw new UpstreamSignInError("The id_token was issued by another provider.");
  if (!audiences.includes(settings.clientId) || (audiences.length > 1 && c.azp !== settings.clientId)) {
    throw new UpstreamSignInError("The id_token was issued to another application.");
  }
  if (c.exp + CLOCK_SKEW_SECONDS < nowSeconds) throw new UpstreamSignInError("The id_token has expired. Sign in again.");
  if (c.iat - CLOCK_SKEW_SECONDS > nowSeconds) throw new UpstreamSignInError("The id_token was issued in the future. Check the clocks.");
  if (c.nonce !== nonce) throw new UpstreamSignInError("The id_token does not belong to this sign-in (nonce mismatch).");
  return c;
}
