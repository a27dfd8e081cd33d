import OpenAI from "openai";
import type { Config } from "../config";
import { ToolError } from "../errors";

/** Retries on 408/409/429/5xx with backoff; the SDK honours retry-after(-ms) when it is under a minute. */
export const OPENAI_MAX_RETRIES = 2;

/** One client per request, built from config; a missing key is a clear, early error. */
export function openaiClient(config: Config): OpenAI {
  if (!config.openai.apiKey) {
    throw new ToolError(
      "OpenAI is not configured on this server: OPENAI_API_KEY is not set. An operator sets it with `wrangler secret put OPENAI_API_KEY` (or in .dev.vars locally).",
      "not_configured",
    );
  }
  return new OpenAI({
    apiKey: config.openai.apiKey,
    baseURL: config.openai.baseUrl,
    organization: config.openai.organization ?? null,
    maxRetries: OPENAI_MAX_RETRIES,
    // The tool deadline bounds the whole call; this bounds one attempt.
    timeout: config.toolDeadlineMs,
    // Workers' fetch must be called unbound from the global scope.
    fetch: (input, init) => fetch(input, init),
  });
}
