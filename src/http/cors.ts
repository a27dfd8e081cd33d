/**
 * CORS for browser MCP clients (the MCP Inspector's direct mode, web apps). The Worker answers
 * pre-flights itself so both eras get one header list: the session route's own list lacks the
 * 2026 headers (Mcp-Method, Mcp-Name), and a pre-flight cannot tell which era will follow.
 * Only origins that passed the Origin check reach these helpers.
 */

const ALLOW_HEADERS = [
  "Content-Type",
  "Accept",
  "Authorization",
  "Mcp-Session-Id",
  "Mcp-Protocol-Version",
  "Mcp-Method",
  "Mcp-Name",
  "Last-Event-ID",
].join(", ");
/** What a browser client may read: the session id, and the auth challenge on a 401. */
const EXPOSE_HEADERS = "Mcp-Session-Id, WWW-Authenticate";
const MAX_AGE_SECONDS = 86_400;

function allowOrigin(request: Request): string {
  return request.headers.get("origin") ?? "*";
}

/** The answer to an OPTIONS pre-flight on an MCP path. */
export function preflight(request: Request): Response {
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-origin": allowOrigin(request),
      "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
      "access-control-allow-headers": ALLOW_HEADERS,
      "access-control-expose-headers": EXPOSE_HEADERS,
      "access-control-max-age": String(MAX_AGE_SECONDS),
      vary: "Origin",
    },
  });
}

/** The Worker's own refusals (401, 413, 503) readable by a browser page, so it can show why. */
export function withCors(request: Request, response: Response): Response {
  if (!request.headers.has("origin")) return response;
  const headers = new Headers(response.headers);
  headers.set("access-control-allow-origin", allowOrigin(request));
  headers.set("access-control-expose-headers", EXPOSE_HEADERS);
  headers.append("vary", "Origin");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
