// OpenAI's error envelope, `{ "error": { message, type, param, code } }`, and the messages the
// real API uses for common validation failures (wording copied from observed API answers).

export interface ErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** Thrown by validators and handlers; the router turns it into an HTTP answer. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers: Record<string, string>;

  constructor(status: number, body: ErrorBody, headers: Record<string, string> = {}) {
    super(body.message);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

export function envelope(body: ErrorBody): { error: ErrorBody } {
  return { error: body };
}

function invalidRequest(message: string, param: string | null, code: string | null, status = 400): ApiError {
  return new ApiError(status, { message, type: "invalid_request_error", param, code });
}

export function missingParameter(param: string): ApiError {
  return invalidRequest(`Missing required parameter: '${param}'.`, param, "missing_required_parameter");
}

export function unknownParameter(param: string): ApiError {
  return invalidRequest(`Unknown parameter: '${param}'.`, param, "unknown_parameter");
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a decimal";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return "a string";
  if (typeof value === "boolean") return "a boolean";
  return typeof value;
}

export function invalidType(param: string, expected: string, value: unknown): ApiError {
  return invalidRequest(
    `Invalid type for '${param}': expected ${expected}, but got ${describeType(value)} instead.`,
    param,
    "invalid_type",
  );
}

function quoteList(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  if (quoted.length <= 1) return quoted.join("");
  if (quoted.length === 2) return `${quoted[0]} and ${quoted[1]}`;
  return `${quoted.slice(0, -1).join(", ")}, and ${quoted[quoted.length - 1]}`;
}

export function invalidEnumValue(param: string, value: unknown, allowed: readonly string[]): ApiError {
  return invalidRequest(`Invalid value: '${String(value)}'. Supported values are: ${quoteList(allowed)}.`, param, "invalid_value");
}

export function invalidValue(param: string, message: string): ApiError {
  return invalidRequest(message, param, "invalid_value");
}

export function integerBelowMin(param: string, min: number, got: number): ApiError {
  return invalidRequest(
    `Invalid '${param}': integer below minimum value. Expected a value >= ${min}, but got ${got} instead.`,
    param,
    "integer_below_min_value",
  );
}

export function integerAboveMax(param: string, max: number, got: number): ApiError {
  return invalidRequest(
    `Invalid '${param}': integer above maximum value. Expected a value <= ${max}, but got ${got} instead.`,
    param,
    "integer_above_max_value",
  );
}

export function emptyString(param: string): ApiError {
  return invalidRequest(
    `Invalid '${param}': empty string. Expected a string with minimum length 1, but got an empty string instead.`,
    param,
    "empty_string",
  );
}

export function stringTooLong(param: string, max: number, got: number): ApiError {
  return invalidRequest(
    `Invalid '${param}': string too long. Expected a string with maximum length ${max}, but got a string with length ${got} instead.`,
    param,
    "string_above_max_length",
  );
}

export function arrayTooLong(param: string, max: number, got: number): ApiError {
  return invalidRequest(
    `Invalid '${param}': array too long. Expected an array with maximum length ${max}, but got an array with length ${got} instead.`,
    param,
    "array_above_max_length",
  );
}

export function modelNotFound(model: string): ApiError {
  return invalidRequest(`The requested model '${model}' does not exist.`, "model", "model_not_found");
}

export function modelShutDown(model: string, shutdownDate: string): ApiError {
  return invalidRequest(
    `The model \`${model}\` was shut down on ${shutdownDate} and is no longer available. ` +
      "Learn more: https://platform.openai.com/docs/deprecations",
    "model",
    "model_not_found",
    404,
  );
}

export function unsupportedModelForEndpoint(model: string, endpoint: string): ApiError {
  return invalidRequest(`The model '${model}' is not supported with the ${endpoint}.`, "model", "model_not_supported");
}

export function missingApiKey(): ApiError {
  return invalidRequest(
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth " +
      "(i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API " +
      "from your browser and are prompted for a username and password. You can obtain an API key from " +
      "https://platform.openai.com/account/api-keys.",
    null,
    null,
    401,
  );
}

export function invalidApiKey(key: string): ApiError {
  const shown = key.length > 8 ? `${key.slice(0, 8)}${"*".repeat(Math.max(4, key.length - 12))}${key.slice(-4)}` : key;
  return invalidRequest(
    `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    null,
    "invalid_api_key",
    401,
  );
}

export function invalidUrl(method: string, path: string): ApiError {
  return invalidRequest(`Invalid URL (${method} ${path})`, null, null, 404);
}

export function invalidJsonBody(): ApiError {
  return invalidRequest(
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library " +
      "correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble " +
      "figuring out how to fix this, please contact us through our help center at help.openai.com.)",
    null,
    null,
  );
}

export function invalidContentType(got: string, expected: string): ApiError {
  return invalidRequest(`Invalid Content-Type header (${got || "none"}), expected ${expected}.`, null, "invalid_content_type");
}

export function bodyTooLarge(limitBytes: number): ApiError {
  return invalidRequest(
    `Request body too large. The maximum request size is ${Math.round(limitBytes / 1024 / 1024)} MB.`,
    null,
    "request_too_large",
    413,
  );
}

export function rateLimited(model: string, retryAfterSeconds: number, hintInMessage = true): ApiError {
  const hint = hintInMessage ? ` Please try again in ${retryAfterSeconds}s.` : "";
  return new ApiError(429, {
    message:
      `Rate limit reached for ${model} in organization org-fake on requests per min (RPM): Limit 5, Used 5, ` +
      `Requested 1.${hint} Visit https://platform.openai.com/account/rate-limits ` +
      "to learn more.",
    type: "requests",
    param: null,
    code: "rate_limit_exceeded",
  });
}

export function serverError(status: number): ApiError {
  return new ApiError(status, {
    message: "The server had an error while processing your request. Sorry about that!",
    type: "server_error",
    param: null,
    code: null,
  });
}

export function moderationBlocked(requestId: string): ApiError {
  return new ApiError(400, {
    message:
      "Your request was rejected by the safety system. If you believe this is an error, contact us at " +
      `help.openai.com and include the request ID ${requestId}.`,
    type: "image_generation_user_error",
    param: null,
    code: "moderation_blocked",
  });
}

export function invalidRequestBody(message: string): ApiError {
  return invalidRequest(message, null, null);
}

export function invalidFile(param: string, message: string, code: string): ApiError {
  return invalidRequest(message, param, code);
}

/** 429 for an account out of money or over a spend limit; `insufficient_quota` is both type and code, as the API sends it. */
export function billingLimit(code: string): ApiError {
  const messages: Record<string, string> = {
    insufficient_quota:
      "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
    billing_hard_limit_reached: "Billing hard limit has been reached.",
    project_spend_limit_exceeded: "You have exceeded the spend limit set for this project.",
    organization_spend_limit_exceeded: "You have exceeded the spend limit set for your organization.",
    organization_usage_limit_exceeded: "Your organization has reached its usage limit.",
    credit_balance_exhausted: "Your credit balance is exhausted. Add credits to continue.",
  };
  return new ApiError(429, {
    message: messages[code] ?? code,
    type: code === "insufficient_quota" ? "insufficient_quota" : "invalid_request_error",
    param: null,
    code,
  });
}

export function unsupportedParameter(param: string, message: string): ApiError {
  return new ApiError(400, { message, type: "invalid_request_error", param, code: "unsupported_parameter" });
}

/** What a json_schema the real API cannot take gets, whatever the reason. */
export function invalidJsonSchema(name: string, detail: string): ApiError {
  return new ApiError(400, {
    message: `Invalid schema for response_format '${name}': ${detail}`,
    type: "invalid_request_error",
    param: "text.format.schema",
    code: "invalid_json_schema",
  });
}

/** The mid-stream failure the real API sends as `event: error`. */
export function streamServerError(): ApiError {
  return new ApiError(500, {
    message: "The server had an error processing your request. Sorry about that! You can retry your request.",
    type: "server_error",
    param: null,
    code: "server_error",
  });
}
