/**
 * The one error a tool handler throws on purpose. The adapters turn it into an
 * `isError: true` result whose text is `message`; anything else thrown becomes a
 * generic internal error, so stack traces and secrets never reach the client.
 */
export class ToolError extends Error {
  constructor(
    message: string,
    /** Machine-readable reason, repeated in structuredContent-free error results for clients that branch on it. */
    readonly code: ToolErrorCode = "invalid_input",
  ) {
    super(message);
    this.name = "ToolError";
  }
}

export type ToolErrorCode =
  | "invalid_input"
  | "not_found"
  | "forbidden"
  | "not_configured"
  | "unsupported"
  | "cancelled"
  | "timeout"
  | "rate_limited"
  | "billing_limit"
  | "moderation_blocked"
  | "upstream_auth"
  | "upstream_error"
  | "over_budget"
  | "integrity";
