import { MediaMcpAgent, type SessionProps } from "./agent";
import { ConfigError, hasSignInMethod, readConfig, type Config } from "./config";
import { bearerRefusal, bearerToken, INVALID_TOKEN, MISSING_TOKEN } from "./http/auth";
import { limitBody } from "./http/body-limit";
import { preflight, withCors } from "./http/cors";
import { serveDownload } from "./http/downloads";
import { serveUploadRoute } from "./http/uploads";
import type { Caller } from "./identity";
import { refusedOrigin } from "./http/origin";
import { checkSessionOwner } from "./http/session-owner";
import { defaultModelWarnings } from "./openai/default-models";
import { oauthProvider, resourceMetadataUrl, signInWithdrawn, sseCaller } from "./oauth/provider";
import { serveSignIn } from "./oauth/sign-in";
import { createServices } from "./services";
import { isStatelessRequest, serveStateless } from "./stateless";
import { SERVER_NAME, SERVER_VERSION } from "./version";

export { MediaMcpAgent };
export { RequestCoordinator } from "./store/request-coordinator";
export { JobTracker } from "./jobs/job-tracker";
export { PaidJob } from "./jobs/workflow";
export { SpendingLedger } from "./budget/ledger";

const sessionRoute = MediaMcpAgent.serve("/mcp", { binding: "MCP_SESSION" });
const sseRoute = MediaMcpAgent.serveSSE("/sse", { binding: "MCP_SESSION" });

function plain(status: number, message: string): Response {
  return new Response(`${message}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

function isMcpPath(path: string): boolean {
  return path === "/mcp" || path === "/sse" || path === "/sse/message";
}

/** An admitted MCP request, in either era, for `caller` (null: the open local server). */
async function serveMcp(request: Request, env: Env, ctx: ExecutionContext, config: Config, caller: Caller | null): Promise<Response> {
  const url = new URL(request.url);
  const limited = await limitBody(request);
  if (limited instanceof Response) return withCors(request, limited);
  if (url.pathname === "/mcp" && limited.method === "POST" && (await isStatelessRequest(limited))) {
    return serveStateless(limited, env, ctx, config, { baseUrl: url.origin, caller });
  }
  const notOwner = await checkSessionOwner(limited, url, env.MCP_SESSION, caller?.id ?? null);
  if (notOwner) return withCors(limited, notOwner);
  // McpAgent.serve hands ctx.props to the session Durable Object as this.props.
  const props: SessionProps = { baseUrl: url.origin, caller };
  Object.assign(ctx.props as object, props);
  return url.pathname === "/mcp" ? sessionRoute.fetch(limited, env, ctx) : sseRoute.fetch(limited, env, ctx);
}

/** /mcp once the OAuth provider admitted the request. The provider is cached per origin, so this reads the config from `env`. */
function mcpRoute(request: Request, env: Env, ctx: ExecutionContext, caller: Caller): Promise<Response> {
  return serveMcp(request, env, ctx, readConfig(env), caller);
}

/** What the OAuth provider does not serve itself: the sign-in page, then 404. */
async function otherRoutes(request: Request, env: Env): Promise<Response> {
  const page = await serveSignIn(request, env, readConfig(env));
  return page ?? plain(404, "Not found. MCP clients connect to /mcp (Streamable HTTP) or /sse (legacy).");
}

/**
 * The MCP routes behind sign-in. /mcp goes through the OAuth provider (its tokens, and team
 * bearer tokens through `resolveExternalToken`); /sse, which the provider does not route, checks
 * the same tokens here. A request without a token learns where to sign in (RFC 9728).
 */
async function serveSignedIn(request: Request, env: Env, ctx: ExecutionContext, config: Config): Promise<Response> {
  const url = new URL(request.url);
  if (config.authTokens.length === 0 && !hasSignInMethod(config.signIn)) {
    return withCors(
      request,
      bearerRefusal(
        503,
        "server_not_configured",
        "No way to sign in is configured, so this server refuses every call. Set MCP_AUTH_TOKENS (team bearer tokens) or SIGN_IN_SECRET (OAuth sign-in) with `wrangler secret put` (comma-separated tokens of 16+ characters).",
      ),
    );
  }
  const token = bearerToken(request);
  if (!token) return withCors(request, bearerRefusal(401, "invalid_request", MISSING_TOKEN, resourceMetadataUrl(url.origin)));
  if (url.pathname === "/mcp") {
    const provider = oauthProvider(url.origin, config, mcpRoute, otherRoutes);
    const response = await provider.fetch(request, env, ctx);
    return response.status === 401 || response.status === 403 ? withCors(request, response) : response;
  }
  const caller = await sseCaller(token, url.origin, env, config);
  if (caller === "withdrawn") return withCors(request, signInWithdrawn(url.origin));
  if (!caller) return withCors(request, bearerRefusal(401, "invalid_token", INVALID_TOKEN, resourceMetadataUrl(url.origin)));
  return serveMcp(request, env, ctx, config, caller);
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    let config: Config;
    try {
      config = readConfig(env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // /health names each bad setting, so a deploy check or uptime monitor sees why.
      if (url.pathname === "/health") {
        return Response.json(
          { ok: false, name: SERVER_NAME, version: SERVER_VERSION, problems: error.problems, fix: error.message },
          { status: 500 },
        );
      }
      return plain(500, error.message);
    }
    if (url.pathname === "/health") {
      // Settings that still serve but need an operator (a default model past its shutdown date) are warnings, not failures.
      const warnings = defaultModelWarnings(config, config.clock());
      return Response.json({ ok: true, name: SERVER_NAME, version: SERVER_VERSION, warnings });
    }

    if (url.pathname.startsWith("/assets/")) {
      return serveDownload(request, config, createServices(env, config, url.origin).library);
    }
    const refused = refusedOrigin(request, config);
    if (refused) return refused;
    if (url.pathname.startsWith("/uploads/")) return serveUploadRoute(request, () => createServices(env, config, url.origin));
    if (isMcpPath(url.pathname)) {
      // Browsers send CORS pre-flights without credentials.
      if (request.method === "OPTIONS") return preflight(request);
      return config.openAccess ? serveMcp(request, env, ctx, config, null) : serveSignedIn(request, env, ctx, config);
    }
    // The open local server has nobody to sign in; everywhere else the provider serves discovery,
    // registration and tokens, and hands the sign-in page to `otherRoutes`.
    if (config.openAccess) return plain(404, "Not found. MCP clients connect to /mcp (Streamable HTTP) or /sse (legacy).");
    const provider = oauthProvider(url.origin, config, mcpRoute, otherRoutes);
    return provider.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
