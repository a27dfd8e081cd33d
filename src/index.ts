import { MediaMcpAgent, type SessionProps } from "./agent";
import { ConfigError, readConfig, type Config } from "./config";
import { authenticate } from "./http/auth";
import { limitBody } from "./http/body-limit";
import { preflight, withCors } from "./http/cors";
import { serveDownload } from "./http/downloads";
import type { Caller } from "./identity";
import { hostAllowed, originAllowed } from "./http/origin";
import { checkSessionOwner } from "./http/session-owner";
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

/** A request that passed the gate, and who sent it (null: open local server). */
interface Admitted {
  request: Request;
  caller: Caller | null;
}

/** Host, Origin, token and body-size checks that every MCP request passes before any route sees it. */
async function gate(request: Request, config: Config): Promise<Admitted | Response> {
  if (!hostAllowed(request, config)) return plain(403, "This local server answers only requests addressed to localhost.");
  if (!originAllowed(request, config)) {
    return plain(403, `Origin ${request.headers.get("origin")} is not allowed. Add it to ALLOWED_ORIGINS to let that web page connect.`);
  }
  // Browsers send CORS pre-flights without credentials.
  if (request.method === "OPTIONS") return preflight(request);
  const auth = await authenticate(request, config);
  if (!auth.ok) return withCors(request, auth.response);
  const limited = await limitBody(request);
  return limited instanceof Response ? withCors(request, limited) : { request: limited, caller: auth.caller };
}

function isMcpPath(path: string): boolean {
  return path === "/mcp" || path === "/sse" || path === "/sse/message";
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
    if (url.pathname === "/health") return Response.json({ ok: true, name: SERVER_NAME, version: SERVER_VERSION });

    if (url.pathname.startsWith("/assets/")) {
      return serveDownload(request, config, createServices(env, config, url.origin).library);
    }
    if (!isMcpPath(url.pathname)) return plain(404, "Not found. MCP clients connect to /mcp (Streamable HTTP) or /sse (legacy).");

    const gated = await gate(request, config);
    if (gated instanceof Response) return gated;
    const { request: admitted, caller } = gated;
    if (url.pathname === "/mcp" && admitted.method === "POST" && (await isStatelessRequest(admitted))) {
      return serveStateless(admitted, env, ctx, config, { baseUrl: url.origin, caller });
    }
    const notOwner = await checkSessionOwner(admitted, url, env.MCP_SESSION, caller?.id ?? null);
    if (notOwner) return withCors(admitted, notOwner);
    // McpAgent.serve hands ctx.props to the session Durable Object as this.props.
    const props: SessionProps = { baseUrl: url.origin, caller };
    Object.assign(ctx.props as object, props);
    return url.pathname === "/mcp" ? sessionRoute.fetch(admitted, env, ctx) : sseRoute.fetch(admitted, env, ctx);
  },
} satisfies ExportedHandler<Env>;
