// Secrets and optional settings: not in wrangler.toml, so `wrangler types` cannot see them.
// Set them with `wrangler secret put NAME` (deployed) or in `.dev.vars` (local).
interface Env {
  MCP_AUTH_TOKENS?: string;
  ADMIN_TOKENS?: string;
  LIBRARY?: string;
  SIGNING_KEY?: string;
  OPENAI_API_KEY?: string;
  OPENAI_BASE_URL?: string;
  OPENAI_ORG_ID?: string;
  ALLOWED_ORIGINS?: string;
  DEFAULT_IMAGE_MODEL?: string;
  DEFAULT_VISION_MODEL?: string;
  SIGNED_URL_TTL_SECONDS?: string;
  TOOL_DEADLINE_SECONDS?: string;
  MAX_ANALYSIS_COST_USD?: string;
  MAX_3D_COST_USD?: string;
  DAILY_BUDGET_USD?: string;
  MAX_CALL_COST_USD?: string;
  CONFIRM_ABOVE_USD?: string;
  MAX_INPUT_IMAGE_BYTES?: string;
  MAX_INPUT_BYTES_PER_CALL?: string;
  URL_FETCH_TIMEOUT_MS?: string;
  CLOCK_DATE?: string;
  SIGN_IN_SECRET?: string;
  ADMIN_USERS?: string;
  ALLOWED_USERS?: string;
  OAUTH_ACCESS_TOKEN_TTL_SECONDS?: string;
  OAUTH_REFRESH_TOKEN_TTL_SECONDS?: string;
  OIDC_ISSUER?: string;
  OIDC_CLIENT_ID?: string;
  OIDC_CLIENT_SECRET?: string;
  OIDC_NAME?: string;
  GITHUB_CLIENT_ID?: string;
  GITHUB_CLIENT_SECRET?: string;
  GITHUB_URL?: string;
  GITHUB_API_URL?: string;
  /** Set by the OAuth provider on the env it hands to its handlers. */
  OAUTH_PROVIDER?: import("@cloudflare/workers-oauth-provider").OAuthHelpers;
}
