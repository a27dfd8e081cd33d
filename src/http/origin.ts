import type { Config } from "../config";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * DNS-rebinding protection. McpAgent checks neither Host nor Origin, so the Worker
 * does: a browser page may call the server only from an allowed origin. Requests
 * without an Origin (every non-browser MCP client) pass.
 */
export function originAllowed(request: Request, config: Config): boolean {
  const origin = request.headers.get("origin");
  if (!origin) return true;
  if (config.allowedOrigins.includes("*") || config.allowedOrigins.includes(origin)) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.origin === new URL(request.url).origin) return true;
  // Locally, browser tools such as the MCP Inspector run on another localhost port.
  return config.deployEnv !== "production" && LOCAL_HOSTS.has(parsed.hostname);
}

/**
 * A local server must only answer requests addressed to a local name; otherwise a
 * rebinding DNS name pointing at 127.0.0.1 could reach it from a web page.
 */
export function hostAllowed(request: Request, config: Config): boolean {
  if (config.deployEnv === "production") return true;
  const host = new URL(request.url).hostname;
  return LOCAL_HOSTS.has(host) || LOCAL_HOSTS.has(`[${host}]`) || config.allowedOrigins.some((o) => safeHost(o) === host);
}

/**
 * The gate in front of every route but downloads and /health: Host (DNS rebinding) and Origin
 * (foreign web pages). A refusal carries no CORS headers, so a refused page cannot even read it.
 */
export function refusedOrigin(request: Request, config: Config): Response | undefined {
  if (!hostAllowed(request, config)) return plainRefusal("This local server answers only requests addressed to localhost.");
  if (!originAllowed(request, config)) {
    return plainRefusal(`Origin ${request.headers.get("origin")} is not allowed. Add it to ALLOWED_ORIGINS to let that web page connect.`);
  }
  return undefined;
}

function plainRefusal(message: string): Response {
  return new Response(`${message}\n`, { status: 403, headers: { "content-type": "text/plain; charset=utf-8" } });
}

function safeHost(origin: string): string | undefined {
  try {
    return new URL(origin).hostname;
  } catch {
    return undefined;
  }
}
