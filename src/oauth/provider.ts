import { ExternalTokenError, OAuthProvider, getOAuthApi, type OAuthProviderOptions } from "@cloudflare/workers-oauth-provider";
import { readConfig, type Config } from "../config";
import { bearerRefusal, INVALID_TOKEN, teamTokenCaller } from "../http/auth";
import type { Caller } from "../identity";
import { AUTHORIZE_PATH, MCP_SCOPE, SCOPES_SUPPORTED } from "./sign-in";
import { callerOfProps, type AuthProps } from "./user";

export const TOKEN_PATH = "/token";
export const REGISTER_PATH = "/register";
export const MCP_PATH = "/mcp";

/** Where the MCP route's protected-resource metadata lives (RFC 9728: the well-known prefix before the path). */
export function resourceMetadataUrl(origin: string): string {
  return `${origin}/.well-known/oauth-protected-resource${MCP_PATH}`;
}

export const SIGN_IN_WITHDRAWN =
  "Your sign-in has ended: the team token you signed in with was withdrawn, or you are no longer on ALLOWED_USERS. Sign in again.";

/** 401 for a valid token whose sign-in no longer holds, naming where to sign in again. */
export function signInWithdrawn(origin: string): Response {
  return bearerRefusal(401, "invalid_token", SIGN_IN_WITHDRAWN, resourceMetadataUrl(origin));
}

/** The /mcp route once the provider let the request through, with who sent it. */
export type McpRoute = (request: Request, env: Env, ctx: ExecutionContext, caller: Caller) => Promise<Response>;
/** Everything that is not /mcp and not the provider's own endpoints (the sign-in page). */
export type OtherRoutes = (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response>;

/**
 * The provider's options for one origin. Tokens are bound to `<origin>/mcp`, the resource the
 * client named; a deploy reachable under two hostnames has two resources, each with its own tokens.
 */
function options(origin: string, config: Config, mcp: McpRoute, other: OtherRoutes): OAuthProviderOptions<Env> {
  const resource = `${origin}${MCP_PATH}`;
  return {
    apiHandlers: {
      [MCP_PATH]: {
        async fetch(request, env, ctx) {
          const caller = await callerOfProps((ctx as ExecutionContext & { props: unknown }).props, readConfig(env));
          if (!caller) return signInWithdrawn(origin);
          return mcp(request, env, ctx, caller);
        },
      },
    },
    defaultHandler: { fetch: (request, env, ctx) => other(request, env, ctx) },
    authorizeEndpoint: AUTHORIZE_PATH,
    tokenEndpoint: TOKEN_PATH,
    clientRegistrationEndpoint: REGISTER_PATH,
    scopesSupported: SCOPES_SUPPORTED,
    requiredScopes: [MCP_SCOPE],
    resourceMetadata: { resource, resource_name: "mcp-multimodal", bearer_methods_supported: ["header"] },
    clientIdMetadataDocumentEnabled: true,
    accessTokenTTL: config.signIn.accessTokenTtlSeconds,
    refreshTokenTTL: config.signIn.refreshTokenTtlSeconds,
    // Team bearer tokens (Claude Code, VS Code, scripts, the Inspector) on the same URL, as the same caller as before OAuth.
    resolveExternalToken: async ({ token, env }) => {
      const caller = await teamTokenCaller(token, readConfig(env));
      if (!caller) throw new ExternalTokenError("invalid_token", { description: INVALID_TOKEN, statusCode: 401 });
      const props: AuthProps = { via: "team-token", caller };
      return { props, audience: resource };
    },
  };
}

const providers = new Map<string, { key: string; provider: OAuthProvider<Env> }>();

/** One provider per origin and token lifetimes, built once per isolate. */
export function oauthProvider(origin: string, config: Config, mcp: McpRoute, other: OtherRoutes): OAuthProvider<Env> {
  const key = `${config.signIn.accessTokenTtlSeconds}/${config.signIn.refreshTokenTtlSeconds}`;
  const cached = providers.get(origin);
  if (cached?.key === key) return cached.provider;
  const provider = new OAuthProvider<Env>(options(origin, config, mcp, other));
  providers.set(origin, { key, provider });
  return provider;
}

/**
 * The caller behind a bearer token on /sse, the legacy transport the provider does not route:
 * one of this server's OAuth tokens for `<origin>/mcp` (the same server, an older transport), or a
 * team token. Null when it is neither.
 */
export async function sseCaller(token: string, origin: string, env: Env, config: Config): Promise<Caller | null | "withdrawn"> {
  const helpers = getOAuthApi(options(origin, config, unreachable, unreachable), env);
  // Tokens this provider issues are `user:grant:secret`; anything else can only be a team token.
  if (token.split(":").length === 3) {
    const summary = await helpers.unwrapToken<unknown>(token);
    const audiences = summary ? [summary.audience ?? []].flat() : [];
    if (!summary || !audiences.includes(`${origin}${MCP_PATH}`)) return null;
    return (await callerOfProps(summary.grant.props, config)) ?? "withdrawn";
  }
  return teamTokenCaller(token, config);
}

async function unreachable(): Promise<Response> {
  throw new Error("only the token helpers of this provider are used");
}
