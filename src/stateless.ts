import { createMcpHandler } from "agents/mcp/server";
import { isLegacyRequest } from "@modelcontextprotocol/server";
import { MAX_REQUEST_BODY_BYTES, type Config } from "./config";
import { buildServerV2 } from "./mcp/adapter-v2";
import { REGISTRY } from "./registry";
import { createServices, type RequestScope } from "./services";

/**
 * Whether a POST to /mcp belongs to the 2026-07-28 stateless era. The SDK's own
 * classifier decides (the `_meta` envelope claim and the headers), so routing can
 * never disagree with how the stateless handler itself would judge the request;
 * malformed 2026 requests land there too and get the spec's errors.
 */
export async function isStatelessRequest(request: Request): Promise<boolean> {
  return !(await isLegacyRequest(request, undefined, { maxRequestBodySize: MAX_REQUEST_BODY_BYTES }));
}

/** Serves one 2026-era request: a fresh SDK v2 server over the shared definitions, no session, all state in R2 and KV. */
export function serveStateless(
  request: Request,
  env: Env,
  ctx: ExecutionContext,
  config: Config,
  { baseUrl, caller }: RequestScope,
): Promise<Response> {
  const handler = createMcpHandler(() => buildServerV2(REGISTRY, () => createServices(env, config, baseUrl, caller)), {
    route: "/mcp",
    legacy: "reject",
    maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
    // Host and Origin were checked by the Worker's gate, with this deployment's own settings.
    allowedOriginHostnames: "*",
    allowedHostnames: [new URL(baseUrl).hostname],
  });
  // The handler refuses a request without a Host header; in-process callers (tests, service bindings) may not send one.
  const withHost = request.headers.has("host")
    ? request
    : new Request(request, { headers: withHeader(request.headers, "host", new URL(request.url).host) });
  return handler(withHost, env, ctx);
}

function withHeader(headers: Headers, name: string, value: string): Headers {
  const copy = new Headers(headers);
  copy.set(name, value);
  return copy;
}
