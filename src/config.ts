import { z } from "zod";
import { clockOn, systemClock, type Clock } from "./clock";
import type { ToolError } from "./errors";
import { defaultModelMistake } from "./openai/catalog";
import type { LibraryMode } from "./store/owners";

/** Body size the Worker accepts on MCP routes; McpAgent itself refuses more than 4 MiB. */
export const MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024;

export const DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1";

const DEV_SIGNING_KEY = "development-only-signing-key-do-not-deploy";

const csv = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? "")
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean),
  );

/** `*`, or browser origins written as scheme://host[:port] (what a browser sends in `Origin`). */
const origins = csv.transform((values, ctx) => {
  for (const value of values) {
    if (value === "*") continue;
    let origin: string | undefined;
    try {
      const url = new URL(value);
      origin = /^https?:$/.test(url.protocol) ? url.origin : undefined;
    } catch {
      origin = undefined;
    }
    if (origin !== value.replace(/\/$/, "")) {
      ctx.addIssue({
        code: "custom",
        message: `"${value}" is not an origin: write each as scheme://host[:port] with no path, e.g. https://app.example.com (or * for any)`,
      });
    }
  }
  return values.map((value) => (value === "*" ? value : value.replace(/\/$/, "")));
});

const positiveNumber = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === "") return fallback;
      const parsed = Number(value);
      if (!Number.isFinite(parsed) || parsed <= 0) {
        ctx.addIssue({ code: "custom", message: `must be a positive number, got "${value}"` });
        return z.NEVER;
      }
      return parsed;
    });

/** Whole seconds, at least `min` (KV, where the OAuth library keeps tokens, expires nothing sooner than 60 s). */
const wholeSeconds = (fallback: number, min: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === "") return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < min) {
        ctx.addIssue({ code: "custom", message: `must be a whole number of seconds, at least ${min}, got "${value}"` });
        return z.NEVER;
      }
      return parsed;
    });

/** Lower-cased entries: `provider:subject` (e.g. `oidc:248289761001`, `team:alice`) or e-mail addresses. */
const userList = csv.transform((values) => values.map((value) => value.toLowerCase()));

const EnvSchema = z.object({
  DEPLOY_ENV: z.enum(["production", "development", "test"]).default("production"),
  MCP_AUTH_TOKENS: csv.refine((tokens) => tokens.every((t) => t.length >= 16), {
    message: "every token must be at least 16 characters (generate one with `openssl rand -hex 32`)",
  }),
  ADMIN_TOKENS: csv.refine((tokens) => tokens.every((t) => t.length >= 16), {
    message: "every token must be at least 16 characters (generate one with `openssl rand -hex 32`)",
  }),
  LIBRARY: z
    .enum(["team", "private"], { error: 'must be "team" (everyone reads every asset) or "private" (each caller sees only its own)' })
    .default("team"),
  SIGNING_KEY: z.string().min(32, "must be at least 32 characters (generate one with `openssl rand -hex 32`)").optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://api.openai.com/v1" }).optional(),
  OPENAI_ORG_ID: z.string().optional(),
  ALLOWED_ORIGINS: origins,
  DEFAULT_IMAGE_MODEL: z.string().optional(),
  DEFAULT_VISION_MODEL: z.string().optional(),
  SIGNED_URL_TTL_SECONDS: positiveNumber(3600),
  TOOL_DEADLINE_SECONDS: positiveNumber(300),
  MAX_ANALYSIS_COST_USD: positiveNumber(0.5),
  MAX_3D_COST_USD: positiveNumber(1),
  DAILY_BUDGET_USD: positiveNumber(10),
  MAX_CALL_COST_USD: positiveNumber(2),
  CONFIRM_ABOVE_USD: positiveNumber(0.5),
  MAX_INPUT_IMAGE_BYTES: positiveNumber(20 * 1024 * 1024),
  MAX_INPUT_BYTES_PER_CALL: positiveNumber(48 * 1024 * 1024),
  MAX_UPLOAD_BYTES: positiveNumber(20 * 1024 * 1024),
  URL_FETCH_TIMEOUT_MS: positiveNumber(15_000),
  SIGN_IN_SECRET: z.string().min(16, "must be at least 16 characters (generate one with `openssl rand -hex 32`)").optional(),
  ADMIN_USERS: userList,
  ALLOWED_USERS: userList,
  OAUTH_ACCESS_TOKEN_TTL_SECONDS: wholeSeconds(3600, 60),
  OAUTH_REFRESH_TOKEN_TTL_SECONDS: wholeSeconds(30 * 86_400, 60),
  OIDC_ISSUER: z.url({ protocol: /^https?$/, error: "must be the provider's issuer URL, e.g. https://accounts.google.com" }).optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_NAME: z.string().min(1).max(40).optional(),
  GITHUB_CLIENT_ID: z.string().min(1).optional(),
  GITHUB_CLIENT_SECRET: z.string().min(1).optional(),
  GITHUB_URL: z
    .url({ protocol: /^https?$/, error: "must be GitHub's web URL, e.g. https://github.com (or your GitHub Enterprise Server)" })
    .optional(),
  GITHUB_API_URL: z
    .url({ protocol: /^https?$/, error: "must be GitHub's API URL, e.g. https://api.github.com (or https://<ghes>/api/v3)" })
    .optional(),
  CLOCK_DATE: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date such as 2026-11-25 (local and test runs only)")
    .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), "must be a real calendar date")
    .optional(),
});

/** An OpenID Connect provider users may sign in with (Cloudflare Access, Google, Okta…). */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** What the sign-in button says: "Sign in with <name>". */
  name: string;
}

/** Who may sign in through OAuth (hosted clients such as claude.ai and ChatGPT), and for how long. */
export interface SignInConfig {
  /** A separate secret the sign-in page accepts beside the team tokens. */
  secret?: string;
  /** Users with admin rights: `provider:subject` or e-mail addresses, lower-cased. */
  adminUsers: string[];
  /** Who may sign in through an upstream provider: `provider:subject`, `github:<login>`, `github-org:<org>`, e-mail addresses or `@domain`. */
  allowedUsers: string[];
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  oidc?: OidcSettings;
  github?: GithubSettings;
}

/** A GitHub OAuth app (github.com, or a GitHub Enterprise Server at other URLs). */
export interface GithubSettings {
  clientId: string;
  clientSecret: string;
  /** Web URL (authorize, access token), no trailing slash. */
  webUrl: string;
  /** REST API URL, no trailing slash. */
  apiUrl: string;
}

export interface Config {
  deployEnv: "production" | "development" | "test";
  /** Every token the gate accepts: MCP_AUTH_TOKENS and ADMIN_TOKENS. */
  authTokens: string[];
  /** Tokens whose callers are admins (they may delete any asset); also in `authTokens`. */
  adminTokens: string[];
  /** Whether every caller reads every asset (`team`) or only its own (`private`). */
  library: LibraryMode;
  /** True when no way to sign in is set and the deploy is local: everyone on this machine may connect. */
  openAccess: boolean;
  signIn: SignInConfig;
  signingKey: string;
  openai: { apiKey?: string; baseUrl: string; organization?: string };
  allowedOrigins: string[];
  defaultImageModel?: string;
  defaultVisionModel?: string;
  signedUrlTtlSeconds: number;
  toolDeadlineMs: number;
  maxAnalysisCostUsd: number;
  /** Upper bound on one create_3d_model or edit_3d_model call (planning, critiques, concept, textures together). */
  max3dCostUsd: number;
  /** What each caller may spend per UTC day, paid calls' worst cases reserved before they run. */
  dailyBudgetUsd: number;
  /** A single call whose worst case is above this is refused. */
  maxCallCostUsd: number;
  /** A call whose worst case is above this asks the user first (or needs confirm_cost: true). */
  confirmAboveUsd: number;
  maxInputImageBytes: number;
  /** All input images of one call together: 16 images at the per-image cap would not fit a Worker's 128 MB. */
  maxInputBytesPerCall: number;
  /** Largest file one upload link accepts (create_upload). */
  maxUploadBytes: number;
  urlFetchTimeoutMs: number;
  /** The one clock: the system's, or a pinned date (CLOCK_DATE) on local and test runs. */
  clock: Clock;
}

/** Whether download links are signed with the built-in key that only local runs may use. */
export function usesDevelopmentSigningKey(config: Pick<Config, "signingKey">): boolean {
  return config.signingKey === DEV_SIGNING_KEY;
}

export class ConfigError extends Error {
  override name = "ConfigError";
  /** One line per bad variable, each starting with its name. */
  readonly problems: string[];
  constructor(problems: string[], howToFix: string = HOW_TO_SET) {
    super(`Invalid configuration: ${problems.join("; ")}. ${howToFix}`);
    this.problems = problems;
  }
}

const HOW_TO_SET = "Set it with `wrangler secret put NAME` (deployed) or in `.dev.vars` (local; see .dev.vars.example).";

/** Reads and validates configuration from the Worker's env; throws one message naming every bad variable. */
export function readConfig(env: Env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  const vars = parsed.data;
  const local = vars.DEPLOY_ENV !== "production";
  if (!vars.SIGNING_KEY && !local) {
    throw new ConfigError(["SIGNING_KEY is not set: download links cannot be signed"], HOW_TO_SET.replace("NAME", "SIGNING_KEY"));
  }
  if (vars.CLOCK_DATE && !local) {
    throw new ConfigError(
      ["CLOCK_DATE: pins the server's date for local and test runs only"],
      "Remove it from this deployment (`wrangler secret delete CLOCK_DATE` or [vars] in wrangler.toml).",
    );
  }
  const signIn = signInConfig(vars, local);
  if (Array.isArray(signIn)) throw new ConfigError(signIn);
  const clock = vars.CLOCK_DATE ? clockOn(vars.CLOCK_DATE) : systemClock;
  const modelProblems = [
    defaultModelProblem("DEFAULT_IMAGE_MODEL", vars.DEFAULT_IMAGE_MODEL, (id) => defaultModelMistake("image", id, clock())),
    defaultModelProblem("DEFAULT_VISION_MODEL", vars.DEFAULT_VISION_MODEL, (id) => defaultModelMistake("vision", id, clock())),
  ].filter((problem): problem is string => problem !== undefined);
  if (modelProblems.length > 0) throw new ConfigError(modelProblems);
  return {
    deployEnv: vars.DEPLOY_ENV,
    authTokens: [...new Set([...vars.MCP_AUTH_TOKENS, ...vars.ADMIN_TOKENS])],
    adminTokens: vars.ADMIN_TOKENS,
    library: vars.LIBRARY,
    openAccess: local && vars.MCP_AUTH_TOKENS.length === 0 && vars.ADMIN_TOKENS.length === 0 && !hasSignInMethod(signIn),
    signIn,
    signingKey: vars.SIGNING_KEY ?? DEV_SIGNING_KEY,
    openai: {
      apiKey: vars.OPENAI_API_KEY,
      baseUrl: (vars.OPENAI_BASE_URL ?? DEFAULT_OPENAI_BASE_URL).replace(/\/+$/, ""),
      organization: vars.OPENAI_ORG_ID,
    },
    allowedOrigins: vars.ALLOWED_ORIGINS,
    defaultImageModel: vars.DEFAULT_IMAGE_MODEL,
    defaultVisionModel: vars.DEFAULT_VISION_MODEL,
    signedUrlTtlSeconds: vars.SIGNED_URL_TTL_SECONDS,
    toolDeadlineMs: vars.TOOL_DEADLINE_SECONDS * 1000,
    maxAnalysisCostUsd: vars.MAX_ANALYSIS_COST_USD,
    max3dCostUsd: vars.MAX_3D_COST_USD,
    dailyBudgetUsd: vars.DAILY_BUDGET_USD,
    maxCallCostUsd: vars.MAX_CALL_COST_USD,
    confirmAboveUsd: vars.CONFIRM_ABOVE_USD,
    maxInputImageBytes: vars.MAX_INPUT_IMAGE_BYTES,
    maxInputBytesPerCall: vars.MAX_INPUT_BYTES_PER_CALL,
    maxUploadBytes: Math.floor(vars.MAX_UPLOAD_BYTES),
    urlFetchTimeoutMs: vars.URL_FETCH_TIMEOUT_MS,
    clock,
  };
}

/**
 * A default model the catalog does not know, or a vision default that takes no images: a deploy
 * mistake. One past its shutdown date is not: the server keeps serving, and only calls that
 * would use it are refused (src/openai/default-models.ts), with a warning on status and /health.
 */
function defaultModelProblem(name: string, id: string | undefined, mistake: (id: string) => ToolError | undefined): string | undefined {
  const error = id === undefined ? undefined : mistake(id);
  // The catalog speaks to a tool caller ("model: …"); here the variable is what to change.
  return error && `${name}: ${error.message.replace(/^model: /, "")}`;
}

/** Whether anyone can sign in through OAuth: a sign-in secret or an upstream provider (team tokens count elsewhere). */
export function hasSignInMethod(signIn: SignInConfig): boolean {
  return signIn.secret !== undefined || signIn.oidc !== undefined || signIn.github !== undefined;
}

type Vars = z.output<typeof EnvSchema>;

/** The sign-in settings, or the problems with them (an upstream provider half set up, or open to everyone). */
function signInConfig(vars: Vars, local: boolean): SignInConfig | string[] {
  const problems: string[] = [];
  const oidcVars = [vars.OIDC_ISSUER, vars.OIDC_CLIENT_ID, vars.OIDC_CLIENT_SECRET];
  if (oidcVars.some(Boolean) && !oidcVars.every(Boolean)) {
    problems.push(
      "OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET: set all three to sign in through an OpenID Connect provider, or none",
    );
  }
  if (Boolean(vars.GITHUB_CLIENT_ID) !== Boolean(vars.GITHUB_CLIENT_SECRET)) {
    problems.push("GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET: set both to sign in with GitHub, or neither");
  }
  for (const name of ["OIDC_ISSUER", "GITHUB_URL", "GITHUB_API_URL"] as const) {
    const value = vars[name];
    if (value && !local && new URL(value).protocol !== "https:") problems.push(`${name}: must be an https URL on a deployed server`);
  }
  for (const entry of vars.ADMIN_USERS.filter((value) => value.startsWith("team:"))) {
    problems.push(
      `ADMIN_USERS: "${entry}" cannot be an admin: the sign-in form trusts the name typed, so anyone with the team token could claim it; name a GitHub or OIDC user (github:<login>, e-mail or oidc:<sub>) instead`,
    );
  }
  if ((vars.OIDC_ISSUER || vars.GITHUB_CLIENT_ID) && vars.ALLOWED_USERS.length === 0) {
    problems.push(
      "ALLOWED_USERS: required with an upstream sign-in provider, or anyone with an account there could sign in; list e-mail addresses, @domains, github:<login>, github-org:<org> or provider:subject",
    );
  }
  if (problems.length > 0) return problems;
  return {
    secret: vars.SIGN_IN_SECRET,
    adminUsers: vars.ADMIN_USERS,
    allowedUsers: vars.ALLOWED_USERS,
    accessTokenTtlSeconds: vars.OAUTH_ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: vars.OAUTH_REFRESH_TOKEN_TTL_SECONDS,
    oidc:
      vars.OIDC_ISSUER && vars.OIDC_CLIENT_ID && vars.OIDC_CLIENT_SECRET
        ? {
            issuer: vars.OIDC_ISSUER.replace(/\/+$/, ""),
            clientId: vars.OIDC_CLIENT_ID,
            clientSecret: vars.OIDC_CLIENT_SECRET,
            name: vars.OIDC_NAME ?? new URL(vars.OIDC_ISSUER).hostname,
          }
        : undefined,
    github:
      vars.GITHUB_CLIENT_ID && vars.GITHUB_CLIENT_SECRET
        ? {
            clientId: vars.GITHUB_CLIENT_ID,
            clientSecret: vars.GITHUB_CLIENT_SECRET,
            webUrl: (vars.GITHUB_URL ?? "https://github.com").replace(/\/+$/, ""),
            apiUrl: (vars.GITHUB_API_URL ?? "https://api.github.com").replace(/\/+$/, ""),
          }
        : undefined,
  };
}
