// What each injected fault does to one request. Faults replace the endpoint's answer, except
// "slow", which only delays it.

import type { ServerResponse } from "node:http";
import { ApiError, invalidApiKey, moderationBlocked, rateLimited, serverError } from "./errors.ts";
import { sendJson, startSse } from "./http-io.ts";
import type { FaultSpec } from "./protocol.ts";

export interface FaultContext {
  res: ServerResponse;
  requestId: string;
  headers: Record<string, string>;
  /** The model named in the request, for a realistic rate-limit message. */
  model: string | undefined;
  /** Whether the client asked for an SSE stream. */
  stream: boolean;
}

/** How a fault resolves: an error to send, a delay before the normal answer, or done (socket handled). */
export type FaultOutcome =
  { kind: "error"; error: ApiError } | { kind: "delay"; ms: number } | { kind: "handled"; status: number | undefined };

function rateLimitError(spec: FaultSpec, model: string | undefined): ApiError {
  const retryAfter = spec.retryAfter ?? 1;
  const error = rateLimited(model ?? "gpt-image-2", retryAfter);
  return new ApiError(error.status, error.body, {
    "retry-after": String(retryAfter),
    "retry-after-ms": String(Math.round(retryAfter * 1000)),
    "x-ratelimit-limit-requests": "5",
    "x-ratelimit-remaining-requests": "0",
    "x-ratelimit-reset-requests": `${retryAfter}s`,
    "x-ratelimit-limit-tokens": "100000",
    "x-ratelimit-remaining-tokens": "0",
    "x-ratelimit-reset-tokens": `${retryAfter}s`,
  });
}

/** 200 with a body cut mid-value: not JSON, or an SSE event whose data is not JSON. */
function sendMalformed(ctx: FaultContext): number {
  if (ctx.stream) {
    startSse(ctx.res, ctx.headers);
    ctx.res.end('event: response.created\ndata: {"type":"response.created","response":{"id":"resp_\n\n');
    return 200;
  }
  const broken = `{"created":${Math.floor(Date.now() / 1000)},"data":[{"b64_json":"iVBORw0KGgoAAAANSUhEUgAA`;
  ctx.res.writeHead(200, { ...ctx.headers, "content-type": "application/json" });
  ctx.res.end(broken);
  return 200;
}

/** Headers and part of a body go out, then the connection is destroyed. */
function sendThenDrop(ctx: FaultContext): void {
  if (ctx.stream) {
    startSse(ctx.res, ctx.headers);
    ctx.res.write('event: response.created\ndata: {"type":"response.created","sequence_number":0}\n\n');
  } else {
    const partial = `{"created":${Math.floor(Date.now() / 1000)},"data":[{"b64_json":"iVBORw0KGgo`;
    ctx.res.writeHead(200, { ...ctx.headers, "content-type": "application/json", "content-length": "100000" });
    ctx.res.write(partial);
  }
  // Let the partial bytes reach the client before the socket dies.
  setTimeout(() => ctx.res.socket?.destroy(), 20);
}

export function applyFault(spec: FaultSpec, ctx: FaultContext): FaultOutcome {
  switch (spec.kind) {
    case "rate_limit":
      return { kind: "error", error: rateLimitError(spec, ctx.model) };
    case "server_error":
      return { kind: "error", error: serverError(spec.status ?? 500) };
    case "moderation":
      return { kind: "error", error: moderationBlocked(ctx.requestId) };
    case "invalid_key":
      return { kind: "error", error: invalidApiKey("sk-revoked-fake-key") };
    case "slow":
      return { kind: "delay", ms: spec.delayMs ?? 1000 };
    case "timeout":
      // Accept and never answer; the client's own timeout ends the exchange.
      return { kind: "handled", status: undefined };
    case "malformed":
      return { kind: "handled", status: sendMalformed(ctx) };
    case "drop":
      sendThenDrop(ctx);
      return { kind: "handled", status: undefined };
  }
}
