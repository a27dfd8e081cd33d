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
async function matchesAnyToken(presented: string, tokens: string[]): Promise<boolean> {
  const presentedDigest = await digest(presented);
  let matched = false;
  for (const token of tokens) {
    const equal = crypto.subtle.timingSafeEqual(presentedDigest, await digest(token));
    matched = matched || equal;
  }
  return matched;
}

function refuse(status: 401 | 503, error: string, description: string): AuthResult {
  const headers = new Headers({ "content-type": "application/json" });
  if (status === 401) headers.set("www-authenticate", `Bearer realm="mcp", error="${error}", error_description="${description}"`);
  return { ok: false, response: new Response(JSON.stringify({ error, error_description: description }), { status, headers }) };
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
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    return refuse(401, "invalid_request", "Send the access token as `Authorization: Bearer <token>`.");
  }
  if (!(await matchesAnyToken(match[1], config.authTokens))) {
    return refuse(401, "invalid_token", "The access token is not valid for this server.");
  }
  const caller = tokenCaller(await tokenPseudonym(match[1], config.signingKey));
  // An ADMIN_TOKENS token is also a normal token; its caller may delete any asset.
  const admin = config.adminTokens.length > 0 && (await matchesAnyToken(match[1], config.adminTokens));
  return { ok: true, caller: admin ? { ...caller, admin } : caller };
}
