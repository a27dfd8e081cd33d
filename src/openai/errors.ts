import OpenAI from "openai";
import { ToolError } from "../errors";
import { OPENAI_MAX_RETRIES } from "./client";
import { isBillingError, SAFETY_CODES } from "./error-codes";

/** OpenAI echoes part of a bad key in its messages; no key fragment ever leaves the server. */
export function redactSecrets(message: string): string {
  return message.replace(/\b(sk|sess|org)-[A-Za-z0-9_*\-]{3,}/g, "$1-***");
}

function requestIdNote(error: InstanceType<typeof OpenAI.APIError>): string {
  return error.requestID ? ` (OpenAI request id ${error.requestID})` : "";
}

/** "1s", "6m0s", "20ms", "1.5s", "1h2m" (OpenAI's x-ratelimit-reset-* format) in seconds. */
function durationSeconds(text: string): number | undefined {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text.trim()) return undefined;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  return parts.reduce((sum, [, value, u]) => sum + Number(value) * unit[u!]!, 0);
}

/**
 * How long OpenAI asks a rate-limited caller to wait, from whichever hint is present:
 * `retry-after-ms` (Azure), `retry-after` (seconds or an HTTP date), the longer of
 * `x-ratelimit-reset-requests`/`-tokens`, or "try again in 1.5s" in the message.
 */
export function rateLimitWaitSeconds(headers: Headers | undefined, message: string, now: number = Date.now()): number | undefined {
  const positive = (value: number | undefined) =>
    value !== undefined && Number.isFinite(value) && value > 0 ? Math.ceil(value) : undefined;
  const ms = headers?.get("retry-after-ms");
  if (ms) {
    const wait = positive(Number(ms) / 1000);
    if (wait) return wait;
  }
  const after = headers?.get("retry-after");
  if (after) {
    const wait = positive(Number(after)) ?? positive((Date.parse(after) - now) / 1000);
    if (wait) return wait;
  }
  // The reset headers come on every answer and may describe a bucket that is not the one exhausted:
  // the longest of them and the message's own hint is the wait that certainly suffices.
  const hints = ["x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"]
    .map((name) => headers?.get(name))
    .flatMap((value) => (value ? [durationSeconds(value)] : []));
  const inMessage = /try again in (\d+(?:\.\d+)?)\s*(ms|s|seconds?)\b/i.exec(message);
  if (inMessage) hints.push(Number(inMessage[1]) / (inMessage[2]!.toLowerCase() === "ms" ? 1000 : 1));
  const known = hints.filter((value): value is number => value !== undefined);
  return known.length > 0 ? positive(Math.max(...known)) : undefined;
}

/** A failure while a stream was already flowing: OpenAI's `event: error`, which the SDK throws without a status. */
function midStreamFailure(error: InstanceType<typeof OpenAI.APIError>, message: string): ToolError {
  const code = error.code ? ` (${error.code})` : "";
  return new ToolError(
    `OpenAI's answer failed midway${code}${requestIdNote(error)}: ${message.replace(/\.$/, "")}. This is an upstream failure, not a refusal; nothing was stored. Try again.`,
    "upstream_error",
  );
}

/**
 * Turns whatever the OpenAI SDK threw into a ToolError a model can act on. Aborts are
 * rethrown untouched: the tool runner knows whether the client or the deadline caused them.
 * Nothing here claims a call was free: a failure after OpenAI started work may still be billed.
 */
export function mapOpenAIError(error: unknown): unknown {
  if (error instanceof ToolError) return error;
  if (error instanceof OpenAI.APIUserAbortError) return error;
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new ToolError(
      "OpenAI did not answer in time; nothing was stored. Try again, or ask for a smaller size or lower quality.",
      "timeout",
    );
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new ToolError(
      `Could not reach OpenAI or the connection dropped (${redactSecrets(error.message)}); nothing was stored. Try again shortly.`,
      "upstream_error",
    );
  }
  if (!(error instanceof OpenAI.APIError)) {
    if (error instanceof SyntaxError) {
      return new ToolError(
        "OpenAI returned a response that could not be read (malformed JSON or event stream); nothing was stored. Try again.",
        "upstream_error",
      );
    }
    // A stream cut mid-answer surfaces from workerd's fetch as a plain Error, not an SDK error.
    if (
      error instanceof Error &&
      /network connection lost|connection (was )?(reset|closed)|\bterminated\b|ECONNRESET/i.test(error.message)
    ) {
      return new ToolError(
        "Could not reach OpenAI or the connection dropped mid-answer; nothing was stored. Try again shortly.",
        "upstream_error",
      );
    }
    return error;
  }
  const id = requestIdNote(error);
  // The SDK's message starts with the status ("400 ..."); the body's own message is what OpenAI said.
  const body = isErrorBody(error.error) ? error.error : undefined;
  const message = redactSecrets(body?.message ?? error.message);
  const code = error.code ?? body?.code ?? null;
  const param = error.param ?? body?.param ?? null;
  if (code && SAFETY_CODES.has(code)) {
    return new ToolError(
      `OpenAI's safety system blocked this request${id}: ${message} Rephrase the prompt or change the input images; nothing was stored.`,
      "moderation_blocked",
    );
  }
  if (isBillingError({ code, type: error.type ?? body?.type })) {
    return new ToolError(
      `The OpenAI account behind this server has reached its billing or spend limit (${code ?? error.type})${id}. An operator must raise the limit or add credit on platform.openai.com; retrying or waiting will not help.`,
      "billing_limit",
    );
  }
  if (error.status === undefined) return midStreamFailure(error, message);
  switch (error.status) {
    case 401:
      return new ToolError(`OpenAI rejected the server's API key${id}. An operator must set a valid OPENAI_API_KEY.`, "upstream_auth");
    case 403:
      return new ToolError(
        `The OpenAI key is not allowed to do this${id}: ${message} The organization may need verification for this model, or pick another model.`,
        "upstream_auth",
      );
    case 404:
      return new ToolError(
        `OpenAI does not know this model or resource${id}: ${message} Check server_status for the models this server offers.`,
        "invalid_input",
      );
    case 429: {
      const wait = rateLimitWaitSeconds(error.headers, message);
      return new ToolError(
        `OpenAI rate limit reached${id}, still limited after ${OPENAI_MAX_RETRIES} retries. Wait ${wait ? `${wait} s` : "a minute"} and try again.`,
        "rate_limited",
      );
    }
  }
  if (error.status >= 500) {
    return new ToolError(
      `OpenAI had a server error (HTTP ${error.status})${id}, still failing after ${OPENAI_MAX_RETRIES} retries; nothing was stored. Try again later.`,
      "upstream_error",
    );
  }
  // Input errors (invalid_value, invalid_image_file, minimum pixel budgets, …): name the parameter.
  const where = param ? ` (parameter ${param}${code ? `, code ${code}` : ""})` : code ? ` (code ${code})` : "";
  return new ToolError(`OpenAI refused an input${where}${id}: ${message} Change that input and try again.`, "invalid_input");
}

function isErrorBody(value: unknown): value is { message?: string; code?: string | null; param?: string | null; type?: string } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Calls `fn`, mapping OpenAI failures; use around every SDK call. */
export async function callOpenAI<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw mapOpenAIError(error);
  }
}
