/** OpenAI `error.code` values that decide how a failure is reported (FACTS.md, 2026-11-29). */

/** Safety blocks, by code: the type `image_generation_user_error` alone is not one. */
export const SAFETY_CODES: ReadonlySet<string> = new Set(["moderation_blocked", "content_policy_violation"]);

/** The account's money or quota ran out: an operator must raise the limit; waiting does not help. */
export const BILLING_CODES: ReadonlySet<string> = new Set([
  "insufficient_quota",
  "billing_hard_limit_reached",
  "project_spend_limit_exceeded",
  "organization_spend_limit_exceeded",
  "organization_usage_limit_exceeded",
  "credit_balance_exhausted",
]);

/** True for an error body whose code or type names a billing limit. */
export function isBillingError(body: { code?: unknown; type?: unknown } | null | undefined): boolean {
  return [body?.code, body?.type].some((value) => typeof value === "string" && BILLING_CODES.has(value));
}
