import OpenAI from "openai";
import type { Config } from "../config";
import { ToolError } from "../errors";
import { isBillingError } from "./error-codes";
import { SILENT_LOGGER, type Logger, type LogLevel } from "../log";

/** Retries on 408/409/429/5xx with backoff; the SDK honours retry-after(-ms) when it is under a minute. */
export const OPENAI_MAX_RETRIES = 2;

/**
 * A 429 that is a billing limit, not a rate limit, gets `x-should-retry: false`, which the SDK
 * obeys before its own status rules; every other answer passes through untouched.
 */
export async function markBillingLimitsFinal(response: Response): Promise<Response> {
  if (response.status !== 429) return response;
  const text = await response.text();
  let billing = false;
  try {
    billing = isBillingError((JSON.parse(text) as { error?: { code?: unknown; type?: unknown } }).error);
  } catch {
    // Not JSON: an ordinary 429, retried as usual.
  }
  const headers = new Headers(response.headers);
  if (billing) headers.set("x-should-retry", "false");
  return new Response(text, { status: response.status, statusText: response.statusText, headers });
}

function levelFor(status: number): LogLevel {
  if (status < 400) return "info";
  // Retried by the SDK, or a limit the operator should know about.
  return status === 429 || status >= 500 ? "warning" : "error";
}

/** Workers' fetch (called unbound, as it must be), logging each upstream attempt: path, status, time, request id. */
function loggingFetch(log: Logger): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const started = performance.now();
    const request = { method: init?.method ?? "GET", path: url.pathname };
    try {
      const response = await fetch(input, init);
      log.log(levelFor(response.status), "openai", {
        ...request,
        status: response.status,
        ms: Math.round(performance.now() - started),
        requestId: response.headers.get("x-request-id"),
      });
      return response;
    } catch (error) {
      if (!init?.signal?.aborted) {
        log.log("warning", "openai", { ...request, failed: error instanceof Error ? error.message : String(error) });
      }
      throw error;
    }
  };
}

/** Paid tools call this first, so a server without a key refuses before reading inputs or starting a job. */
export function requireOpenAIConfigured(config: Config): string {
  if (!config.openai.apiKey) {
    throw new ToolError(
      "OpenAI is not configured on this server: OPENAI_API_KEY is not set. An operator sets it with `wrangler secret put OPENAI_API_KEY` (or in .dev.vars locally).",
      "not_configured",
    );
  }
  return config.openai.apiKey;
}

/** One client per request, built from config; a missing key is a clear, early error. */
export function openaiClient(config: Config, log: Logger = SILENT_LOGGER): OpenAI {
  return new OpenAI({
    apiKey: requireOpenAIConfigured(config),
    baseURL: config.openai.baseUrl,
    organization: config.openai.organization ?? null,
    maxRetries: OPENAI_MAX_RETRIES,
    // The tool deadline bounds the whole call; this bounds one attempt.
    timeout: config.toolDeadlineMs,
    // Workers' fetch (called unbound), logged per attempt; billing-limit 429s marked final.
    fetch: async (input, init) => markBillingLimitsFinal(await loggingFetch(log)(input, init)),
  });
}
