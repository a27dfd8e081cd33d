import OpenAI from "openai";
import { ToolError } from "../errors";
import { OPENAI_MAX_RETRIES } from "./client";

/** OpenAI echoes part of a bad key in its messages; no key fragment ever leaves the server. */
export function redactSecrets(message: string): string {
  return message.replace(/\b(sk|sess|org)-[A-Za-z0-9_*\-]{3,}/g, "$1-***");
}

function requestIdNote(error: InstanceType<typeof OpenAI.APIError>): string {
  return error.requestID ? ` (OpenAI request id ${error.requestID})` : "";
}

function retryAfterSeconds(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get("retry-after-ms"));
  if (Number.isFinite(ms) && ms > 0) return Math.ceil(ms / 1000);
  const seconds = Number(headers?.get("retry-after"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

/**
 * Turns whatever the OpenAI SDK threw into a ToolError a model can act on. Aborts are
 * rethrown untouched: the tool runner knows whether the client or the deadline caused them.
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
  const message = redactSecrets(error.message);
  if (error.code === "moderation_blocked" || error.type === "image_generation_user_error") {
    return new ToolError(
      `OpenAI's safety system blocked this request${id}: ${message}. Rephrase the prompt or change the input images; nothing was charged or stored.`,
      "moderation_blocked",
    );
  }
  switch (error.status) {
    case 401:
      return new ToolError(`OpenAI rejected the server's API key${id}. An operator must set a valid OPENAI_API_KEY.`, "upstream_auth");
    case 403:
      return new ToolError(
        `The OpenAI key is not allowed to do this${id}: ${message}. The organization may need verification for this model, or pick another model.`,
        "upstream_auth",
      );
    case 404:
      return new ToolError(
        `OpenAI does not know this model or resource${id}: ${message}. Check server_status for the models this server offers.`,
        "invalid_input",
      );
    case 429: {
      if (error.code === "insufficient_quota") {
        return new ToolError(
          `The OpenAI account is out of quota${id}. An operator must check billing; retrying will not help.`,
          "rate_limited",
        );
      }
      const wait = retryAfterSeconds(error.headers);
      return new ToolError(
        `OpenAI rate limit reached${id}, still limited after ${OPENAI_MAX_RETRIES} retries. Wait ${wait ? `${wait} s` : "a minute"} and try again.`,
        "rate_limited",
      );
    }
  }
  if (error.status !== undefined && error.status >= 500) {
    return new ToolError(
      `OpenAI had a server error (HTTP ${error.status})${id}, still failing after ${OPENAI_MAX_RETRIES} retries; nothing was stored. Try again later.`,
      "upstream_error",
    );
  }
  const param = error.param ? ` (parameter ${error.param})` : "";
  return new ToolError(`OpenAI refused the request${param}${id}: ${message}`, "invalid_input");
}

/** Calls `fn`, mapping OpenAI failures; use around every SDK call. */
export async function callOpenAI<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw mapOpenAIError(error);
  }
}
