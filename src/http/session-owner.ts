/**
 * A session belongs to the caller that opened it. Session ids travel in headers and query
 * strings and can leak (logs, proxies, a shared screen); without this check another
 * caller with any valid token could join a session, read its results and act under its
 * owner's name. The session Durable Object records its owner when it starts; the Worker
 * asks it before routing any request that names a session.
 */

/** What the session Durable Object answers about its owner. */
export interface OwnedSession {
  admits(caller: string): Promise<boolean>;
}

/** How an open local server (no tokens) names every caller: one owner, so any local client may resume. */
export const OPEN_CALLER = "open-local-server";

/**
 * The Durable Object name of the session a request addresses, in the agents package's
 * naming (`streamable-http:<id>` for /mcp, `sse:<id>` for /sse), or undefined when the
 * request opens a new session.
 */
export function addressedSessionName(request: Request, url: URL): string | undefined {
  if (url.pathname === "/mcp") {
    const id = request.headers.get("mcp-session-id");
    return id ? `streamable-http:${id}` : undefined;
  }
  if (url.pathname === "/sse" || url.pathname === "/sse/message") {
    const id = url.searchParams.get("sessionId");
    return id ? `sse:${id}` : undefined;
  }
  return undefined;
}

/** The 404 the agents package itself sends for an unknown session: to another caller, a session it does not own does not exist. */
export function sessionNotFound(): Response {
  return Response.json({ jsonrpc: "2.0", error: { code: -32001, message: "Session not found" }, id: null }, { status: 404 });
}

/** Undefined when the caller may use the session it names (or names none); otherwise the 404 to send. */
export async function checkSessionOwner(
  request: Request,
  url: URL,
  sessions: DurableObjectNamespace,
  caller: string | null,
): Promise<Response | undefined> {
  const name = addressedSessionName(request, url);
  if (!name) return undefined;
  const session = sessions.get(sessions.idFromName(name)) as unknown as OwnedSession;
  return (await session.admits(caller ?? OPEN_CALLER)) ? undefined : sessionNotFound();
}
