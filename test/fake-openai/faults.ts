// What each injected fault does to one request. Faults replace the endpoint's answer, except
// "slow", which only delays it.

import type { ServerResponse } from "node:http";
import { ApiError, billingLimit, invalidApiKey, invalidJsonSchema, moderationBlocked, rateLimited, serverError } from "./errors.ts";
import { sendJson, startSse } from "./http-io.ts";
import { ANSWER_CHANGES, BILLING_FAULTS, type AnswerChange, type BillingFault, type FaultSpec } from "./protocol.ts";

export interface FaultContext {
  res: ServerResponse;
  requestId: string;
  headers: Record<string, string>;
  /** The model named in the request, for a realistic rate-limit message. */
  model: string | undefined;
  /** Whether the client asked for an SSE stream. */
  stream: boolean;
}

/**
 * How a fault resolves: an error to send, a delay before the normal answer, done (socket
 * handled), or a change to the answer the endpoint will give once the request validated.
 */
export type FaultOutcome =
  | { kind: "error"; error: ApiError }
  | { kind: "delay"; ms: number }
  | { kind: "handled"; status: number | undefined }
  | { kind: "change"; change: AnswerChange };

/** The answer's own reset hints are always sent (they are on every answer); `hint` picks which wait hint is exact. */
function rateLimitError(spec: FaultSpec, model: string | undefined): ApiError {
  const retryAfter = spec.retryAfter ?? 1;
  const hint = spec.hint ?? "all";
  const inMessage = hint === "all" || hint === "message";
  const error = rateLimited(model ?? "gpt-image-2", retryAfter, inMessage);
  const headers: Record<string, string> = {
    "x-ratelimit-limit-requests": "5",
    "x-ratelimit-remaining-requests": "0",
    "x-ratelimit-limit-tokens": "100000",
    "x-ratelimit-remaining-tokens": "0",
    // Without an exact reset hint the headers still carry one, but a short one (the fake's usual 12ms/15ms).
    "x-ratelimit-reset-requests": hint === "all" || hint === "reset" ? `${retryAfter}s` : "12ms",
    "x-ratelimit-reset-tokens": hint === "all" || hint === "reset" ? `${Math.max(0, retryAfter - 1)}s` : "15ms",
  };
  if (hint === "all" || hint === "retry-after") headers["retry-after"] = String(retryAfter);
  if (hint === "all" || hint === "retry-after-ms") headers["retry-after-ms"] = String(Math.round(retryAfter * 1000));
  return new ApiError(error.status, error.body, headers);
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
  if ((BILLING_FAULTS as readonly string[]).includes(spec.kind)) {
    return { kind: "error", error: billingLimit(spec.kind as BillingFault) };
  }
  if ((ANSWER_CHANGES as readonly string[]).includes(spec.kind)) return { kind: "change", change: spec.kind as AnswerChange };
  switch (spec.kind) {
    case "invalid_schema":
      return { kind: "error", error: invalidJsonSchema("answer", "In context=(), schema is not supported by the selected model.") };
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
    default:
      throw new Error(`fake-openai: fault ${spec.kind} has no handler`);
  }
}
