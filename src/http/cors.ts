/**
 * CORS for browser clients: MCP clients (the MCP Inspector's direct mode, web apps), and web
 * pages that PUT a file to an upload link. The Worker answers pre-flights itself so both MCP eras
 * get one header list: the session route's own list lacks the 2026 headers (Mcp-Method,
 * Mcp-Name), and a pre-flight cannot tell which era will follow. Only origins that passed the
 * Origin check reach these helpers. No route allows credentials (cookies): MCP calls carry a
 * bearer token, uploads the signed token in their path.
 */

const MCP_ALLOW_HEADERS = [
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
const MCP_EXPOSE_HEADERS = "Mcp-Session-Id, WWW-Authenticate";
/** An upload PUT sends the file's type and size; everything else it needs is in the signed path. */
const UPLOAD_ALLOW_HEADERS = "Content-Type, Content-Length";
const MAX_AGE_SECONDS = 86_400;

function allowOrigin(request: Request): string {
  return request.headers.get("origin") ?? "*";
}

function preflightFor(request: Request, methods: string, allowHeaders: string, exposeHeaders?: string): Response {
  const headers = new Headers({
    "access-control-allow-origin": allowOrigin(request),
    "access-control-allow-methods": methods,
    "access-control-allow-headers": allowHeaders,
    "access-control-max-age": String(MAX_AGE_SECONDS),
    vary: "Origin",
  });
  if (exposeHeaders) headers.set("access-control-expose-headers", exposeHeaders);
  return new Response(null, { status: 204, headers });
}

/** `response` readable by the browser page that sent `request` (unchanged for a non-browser client). */
function withOrigin(request: Request, response: Response, exposeHeaders?: string): Response {
  if (!request.headers.has("origin")) return response;
  const headers = new Headers(response.headers);
  headers.set("access-control-allow-origin", allowOrigin(request));
  if (exposeHeaders) headers.set("access-control-expose-headers", exposeHeaders);
  headers.append("vary", "Origin");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** The answer to an OPTIONS pre-flight on an MCP path. */
export function preflight(request: Request): Response {
  return preflightFor(request, "GET, POST, DELETE, OPTIONS", MCP_ALLOW_HEADERS, MCP_EXPOSE_HEADERS);
}

/** The Worker's own refusals (401, 413, 503) readable by a browser page, so it can show why. */
export function withCors(request: Request, response: Response): Response {
  return withOrigin(request, response, MCP_EXPOSE_HEADERS);
}

/** The answer to an OPTIONS pre-flight on an upload link. */
export function uploadPreflight(request: Request): Response {
  return preflightFor(request, "PUT, OPTIONS", UPLOAD_ALLOW_HEADERS);
}

/** An upload's answer, stored or refused, readable by the page that sent the file. */
export function withUploadCors(request: Request, response: Response): Response {
  return withOrigin(request, response);
}
