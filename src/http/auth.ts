import type { Config } from "../config";
import { tokenCaller, type Caller } from "../identity";
import { tokenPseudonym } from "./signing";

/** `caller`: who the token that matched belongs to; null when the local server is open. */
export type AuthResult = { ok: true; caller: Caller | null } | { ok: false; response: Response };

const encoder = new TextEncoder();

async function digest(value: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", encoder.encode(value));
}

/**
 * Compares against every configured token in constant time: both sides are hashed to
 * the same length first, and no comparison stops early, so timing says nothing about
 * how much of a token matched or which one did.
 */
export async function matchesAnyToken(presented: string, tokens: string[]): Promise<boolean> {
  const presentedDigest = await digest(presented);
  let matched = false;
  for (const token of tokens) {
    const equal = crypto.subtle.timingSafeEqual(presentedDigest, await digest(token));
    matched = matched || equal;
  }
  return matched;
}

/**
 * A 401 or 503 with the bearer challenge. `resourceMetadata`: where OAuth clients (claude.ai,
 * ChatGPT) read how to sign in (RFC 9728), named in the challenge so they discover it themselves.
 */
export function bearerRefusal(status: 401 | 503, error: string, description: string, resourceMetadata?: string): Response {
  const headers = new Headers({ "content-type": "application/json" });
  const metadata = resourceMetadata ? `, resource_metadata="${resourceMetadata}"` : "";
  if (status === 401)
    headers.set("www-authenticate", `Bearer realm="mcp"${metadata}, error="${error}", error_description="${description}"`);
  return new Response(JSON.stringify({ error, error_description: description }), { status, headers });
}

function refuse(status: 401 | 503, error: string, description: string): AuthResult {
  return { ok: false, response: bearerRefusal(status, error, description) };
}

export const MISSING_TOKEN = "Send the access token as `Authorization: Bearer <token>`.";
export const INVALID_TOKEN = "The access token is not valid for this server.";

/** The bearer token a request presents, if any. */
export function bearerToken(request: Request): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  return match?.[1] || undefined;
}

/** The caller a team token (MCP_AUTH_TOKENS) stands for, or null when it is none of them. */
export async function teamTokenCaller(token: string, config: Config): Promise<Caller | null> {
  if (config.authTokens.length === 0 || !(await matchesAnyToken(token, config.authTokens))) return null;
  const caller = tokenCaller(await tokenPseudonym(token, config.signingKey));
  // An ADMIN_TOKENS token is also a normal token; its caller may delete any asset.
  const admin = config.adminTokens.length > 0 && (await matchesAnyToken(token, config.adminTokens));
  return admin ? { ...caller, admin } : caller;
}

/** Bearer-token gate for the MCP routes. */
export async function authenticate(request: Request, config: Config): Promise<AuthResult> {
  if (config.openAccess) return { ok: true, caller: null };
  if (config.authTokens.length === 0) {
    return refuse(
      503,
      "server_not_configured",
      "No access token is configured, so this server refuses every call. Set MCP_AUTH_TOKENS with `wrangler secret put MCP_AUTH_TOKENS` (comma-separated tokens of 16+ characters).",
    );
  }
  const token = bearerToken(request);
  if (!token) return refuse(401, "invalid_request", MISSING_TOKEN);
  const caller = await teamTokenCaller(token, config);
  if (!caller) return refuse(401, "invalid_token", INVALID_TOKEN);
  return { ok: true, caller };
}
