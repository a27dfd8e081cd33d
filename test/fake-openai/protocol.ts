// Wire types of the fake's control API (/__fake/*). Types only: this module is imported by
// control.ts, which also runs inside workerd, so it must never import node: modules.

export type FaultKind =
  | "rate_limit"
  | "server_error"
  | "timeout"
  | "slow"
  | "moderation"
  | "malformed"
  | "drop"
  | "invalid_key"
  | BillingFault
  | "invalid_schema"
  | AnswerChange;

/** Faults that change a valid answer instead of replacing it (applied after the request validated). */
export type AnswerChange =
  /** responses: `incomplete` with reason content_filter. */
  | "content_filter"
  /** responses: status failed, error server_error. */
  | "failed"
  /** responses: status cancelled. */
  | "cancelled"
  /** responses: the message is a refusal part. */
  | "refusal"
  /** any stream: an `event: error` (server_error) after partial images or some text deltas. */
  | "stream_error"
  /** no `usage` in the answer. */
  | "missing_usage"
  /** responses on a reasoning model: reasoning uses the whole max_output_tokens. */
  | "long_reasoning";

export const ANSWER_CHANGES: readonly AnswerChange[] = [
  "content_filter",
  "failed",
  "cancelled",
  "refusal",
  "stream_error",
  "missing_usage",
  "long_reasoning",
];

/** 429 billing answers, one per real code (FACTS.md): `insufficient_quota` also comes as the type. */
export type BillingFault =
  | "insufficient_quota"
  | "billing_hard_limit_reached"
  | "project_spend_limit_exceeded"
  | "organization_spend_limit_exceeded"
  | "organization_usage_limit_exceeded"
  | "credit_balance_exhausted";

export const BILLING_FAULTS: readonly BillingFault[] = [
  "insufficient_quota",
  "billing_hard_limit_reached",
  "project_spend_limit_exceeded",
  "organization_spend_limit_exceeded",
  "organization_usage_limit_exceeded",
  "credit_balance_exhausted",
];

export const FAULT_KINDS: readonly FaultKind[] = [
  "rate_limit",
  "server_error",
  "timeout",
  "slow",
  "moderation",
  "malformed",
  "drop",
  "invalid_key",
  "invalid_schema",
  ...BILLING_FAULTS,
  ...ANSWER_CHANGES,
];

/** Which wait hint a rate_limit fault carries; the real API and Azure differ. Default "all". */
export type RateLimitHint = "all" | "retry-after" | "retry-after-ms" | "reset" | "message";
export const RATE_LIMIT_HINTS: readonly RateLimitHint[] = ["all", "retry-after", "retry-after-ms", "reset", "message"];

export interface FaultSpec {
  kind: FaultKind;
  /** Exact request path, e.g. "/v1/images/generations". Omitted: any /v1 path. */
  path?: string;
  /** How many matching requests this fault hits. Default 1. */
  times?: number;
  /** rate_limit: seconds to wait, sent in the hint(s) `hint` names. Default 1. */
  retryAfter?: number;
  /** rate_limit: which hint carries the wait. Default "all". */
  hint?: RateLimitHint;
  /** slow: how long to wait before answering normally. Default 1000. */
  delayMs?: number;
  /** server_error: the 5xx status to send. Default 500. */
  status?: number;
}

export interface ScriptSpec {
  /** Only "/v1/responses" can be scripted. */
  path: string;
  /** The exact text the next response(s) answer with, whatever the input or schema. */
  outputText: string;
  /** How many responses use it. Default 1. */
  times?: number;
}

export interface FakeSettings {
  /** Latency added before every /v1 answer, to model upstream time in benchmarks. */
  delayMs: number;
  /** Null: 3D planning and critique answers are deterministic; a number: random schema-valid specs and scores from this seed. */
  specSeed: number | null;
}

export interface RecordedFile {
  field: string;
  filename: string;
  contentType: string;
  bytes: number;
  sha256: string;
}

export interface RecordedRequest {
  /** x-request-id the fake answered with. */
  requestId: string;
  method: string;
  path: string;
  /** Lowercased names; authorization redacted to "Bearer ***". */
  headers: Record<string, string>;
  /** Parsed JSON body. Strings over 4096 chars are shortened to head + length + sha256. */
  json?: unknown;
  /** Multipart text fields (repeated fields keep their last value). */
  fields?: Record<string, string>;
  files?: RecordedFile[];
  /** Epoch milliseconds when the request arrived. */
  at: number;
  /** The fault that hit this request, if any. */
  fault?: FaultKind;
  /** HTTP status answered (absent while in flight, or when the socket was dropped). */
  status?: number;
  /** True when the connection closed before the answer was complete: the client aborted, or a `drop` fault cut it. */
  closedEarly?: boolean;
}

export interface FakeStats {
  total: number;
  inFlight: number;
  maxInFlight: number;
  /** Requests per path since the last reset, e.g. { "/v1/responses": 3 }. */
  byPath: Record<string, number>;
  /** Answers per HTTP status, e.g. { "200": 5, "429": 1 }. */
  byStatus: Record<string, number>;
  faultsPending: number;
  scriptsPending: number;
}
