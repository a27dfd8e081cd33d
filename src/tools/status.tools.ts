import { z } from "zod";
import { defineTool } from "../mcp/definitions";
import { defaultModelId, defaultModelWarnings } from "../openai/default-models";
import { countTokens, encoderIsWarm } from "../openai/tokenizer";
import { ASSET_KINDS, type AssetKind } from "../store/asset-kinds";
import { availableModels, ModelsOut } from "../schemas/models.schemas";
import { SERVER_NAME, SERVER_VERSION } from "../version";
import { unavailableProcessOperations } from "../imaging/operations";
import { MAX_REQUEST_BODY_BYTES, usesDevelopmentSigningKey, type Config } from "../config";

/** Four times the longest prompt any tool takes; counting is linear, so this bounds a call to a fraction of a second. */
const MAX_COUNT_CHARS = 128_000;

export const countTokensTool = defineTool({
  name: "count_tokens",
  title: "Count tokens",
  description:
    "Counts the tokens of a text with OpenAI's o200k_base encoding (used by the gpt-image, gpt-4o and later models), e.g. to check a prompt against a limit before generating. Text only; up to 128,000 characters (count longer text in parts). Special-token strings such as <|endoftext|> count as ordinary text, as in a prompt.",
  input: z.object({
    text: z
      .string()
      .max(MAX_COUNT_CHARS, `text is longer than ${MAX_COUNT_CHARS} characters: split it and count the parts.`)
      .describe("The text to count."),
  }),
  output: z.object({
    tokens: z.number().int(),
    characters: z.number().int(),
    encoding: z.literal("o200k_base"),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(args) {
    const tokens = await countTokens(args.text);
    return {
      structured: { tokens, characters: args.text.length, encoding: "o200k_base" as const },
      summary: `${plural(tokens, "token")} (o200k_base) in ${plural(args.text.length, "character")}.`,
    };
  },
});

const Capability = z.object({ available: z.boolean(), detail: z.string() });

export const serverStatus = defineTool({
  name: "server_status",
  title: "Server status",
  description:
    "Reports this server's version, which capabilities are configured (and why not, when one is not), the default models and every available model with its sizes, qualities, prices and shutdown date, what the image binding can do where the server runs, the protocol era of this connection, how many assets are stored, with bytes, by kind, and your spending today against the daily budget and per-call ceilings.",
  input: z.object({}),
  output: z.object({
    server: z.object({ name: z.string(), version: z.string(), deployEnv: z.string() }),
    era: z.object({ protocol: z.enum(["2025-session", "2026-stateless"]), sessionMemory: z.boolean(), detail: z.string() }),
    capabilities: z.object({
      imageGeneration: Capability,
      vision: Capability,
      imageProcessing: Capability.extend({
        unavailableOperations: z.array(z.string()),
        processImageUnavailable: z
          .array(z.string())
          .describe("process_image operations and options refused here (measured on the Images binding); they work when deployed."),
      }),
      tokenCounting: Capability,
    }),
    access: z.object({
      auth: z
        .enum(["required", "open-local"])
        .describe("required: every call needs a team bearer token or an OAuth sign-in; open-local: a local server open to this machine."),
      tokens: z.number().int().describe("How many team bearer tokens are configured, admin tokens included (never the tokens)."),
      adminTokens: z.number().int().describe("How many of them are admin tokens (ADMIN_TOKENS)."),
      signIn: z
        .array(z.enum(["team-token", "secret", "oidc", "github"]))
        .describe(
          "How hosted clients (claude.ai, ChatGPT) sign in through OAuth here: the page's team token or SIGN_IN_SECRET, or an upstream provider.",
        ),
      adminUsers: z.number().int().describe("How many signed-in users have admin rights (ADMIN_USERS)."),
      library: z.enum(["team", "private"]).describe("team: every caller reads every asset; private: each caller sees only its own."),
      developmentSigningKey: z
        .boolean()
        .describe("True when download links are signed with the built-in development key (local runs only)."),
      allowedOrigins: z.array(z.string()).describe("Browser origins allowed besides this server's own; * allows any."),
    }),
    limits: z.object({
      signedUrlTtlSeconds: z.number().describe("Lifetime of download links (SIGNED_URL_TTL_SECONDS)."),
      toolDeadlineSeconds: z.number().describe("A call running longer is stopped (TOOL_DEADLINE_SECONDS)."),
      maxAnalysisCostUsd: z.number().describe("Estimated cost above which an analysis is refused (MAX_ANALYSIS_COST_USD)."),
      max3dCostUsd: z.number().describe("Estimated cost above which create_3d_model or edit_3d_model is refused (MAX_3D_COST_USD)."),
      maxInputImageBytes: z.number().int().describe("Largest input image (MAX_INPUT_IMAGE_BYTES)."),
      urlFetchTimeoutMs: z.number().describe("Time cap for fetching an input image URL (URL_FETCH_TIMEOUT_MS)."),
      maxRequestBodyBytes: z.number().int().describe("Largest MCP request body; send big images as URLs or asset ids."),
    }),
    spending: z
      .object({
        day: z.string().describe("The UTC day."),
        spentUsd: z.number().describe("What your paid calls cost today (settled from the usage OpenAI reported)."),
        reservedUsd: z.number().describe("Held for your paid calls still running (their worst cases)."),
        leftUsd: z.number(),
        openReservations: z.number().int(),
        resetsAt: z.string().describe("The next UTC midnight."),
        dailyBudgetUsd: z.number().describe("Per caller per UTC day (DAILY_BUDGET_USD)."),
        maxCallCostUsd: z.number().describe("A call whose worst case is above this is refused (MAX_CALL_COST_USD)."),
        confirmAboveUsd: z.number().describe("A call whose worst case is above this asks first (CONFIRM_ABOVE_USD)."),
      })
      .describe("Your spending today and the ceilings."),
    defaults: z.object({ imageModel: z.string(), visionModel: z.string() }),
    warnings: z
      .array(z.string())
      .describe(
        "Settings an operator should change: a default model shut down (calls that name no model are refused) or shutting down soon.",
      ),
    models: ModelsOut.describe("Models that still answer today, with limits, USD per 1M tokens and shutdown dates."),
    assets: z.record(z.enum(ASSET_KINDS), z.object({ count: z.number().int(), bytes: z.number().int() })),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(_args, { services, era }) {
    const { config } = services;
    const openaiReady = Boolean(config.openai.apiKey);
    const openaiDetail = openaiReady
      ? `OpenAI key set; endpoint ${new URL(config.openai.baseUrl).origin}.`
      : "OPENAI_API_KEY is not set: set it with `wrangler secret put OPENAI_API_KEY` (or in .dev.vars locally).";
    const imaging = await services.images.capabilities();
    // Counters kept on every put and delete: a status call never walks the whole index.
    const stats = await services.library.stats(ASSET_KINDS);
    const assets = Object.fromEntries(ASSET_KINDS.map((k) => [k, stats[k] ?? { count: 0, bytes: 0 }])) as Record<
      AssetKind,
      { count: number; bytes: number }
    >;
    const today = await services.budget.today();
    const warnings = defaultModelWarnings(config, config.clock());
    const structured = {
      server: { name: SERVER_NAME, version: SERVER_VERSION, deployEnv: config.deployEnv },
      era: {
        protocol: era,
        sessionMemory: era === "2025-session",
        detail:
          era === "2025-session"
            ? "Session-based MCP (2025 revisions): one Durable Object per session; confirmations use elicitation; identical in-flight requests in the session share one upstream call."
            : "Stateless MCP (2026-07-28): no session; all state lives in R2 and KV; confirmations use the input_required round trip or confirm: true.",
      },
      capabilities: {
        imageGeneration: { available: openaiReady, detail: openaiDetail },
        vision: { available: openaiReady, detail: openaiDetail },
        imageProcessing: {
          available: true,
          detail: `Cloudflare Images binding: resize ${imaging.resize ? "yes" : "no"}, formats ${imaging.convert.join(", ")}.`,
          unavailableOperations: imaging.unavailable,
          processImageUnavailable: unavailableProcessOperations(imaging.unavailable),
        },
        tokenCounting: {
          available: true,
          detail: `o200k_base via js-tiktoken; encoder ${encoderIsWarm() ? "loaded" : "loads on first use"}.`,
        },
      },
      access: accessOf(config),
      limits: {
        signedUrlTtlSeconds: config.signedUrlTtlSeconds,
        toolDeadlineSeconds: config.toolDeadlineMs / 1000,
        maxAnalysisCostUsd: config.maxAnalysisCostUsd,
        max3dCostUsd: config.max3dCostUsd,
        maxInputImageBytes: config.maxInputImageBytes,
        urlFetchTimeoutMs: config.urlFetchTimeoutMs,
        maxRequestBodyBytes: MAX_REQUEST_BODY_BYTES,
      },
      spending: {
        ...today,
        dailyBudgetUsd: config.dailyBudgetUsd,
        maxCallCostUsd: config.maxCallCostUsd,
        confirmAboveUsd: config.confirmAboveUsd,
      },
      defaults: { imageModel: defaultModelId("image", config), visionModel: defaultModelId("vision", config) },
      warnings,
      models: availableModels(config.clock()),
      assets,
    };
    const total = Object.values(assets).reduce((n, a) => n + a.count, 0);
    return {
      structured,
      summary: `${SERVER_NAME} ${SERVER_VERSION} (${config.deployEnv}); OpenAI ${openaiReady ? "configured" : "NOT configured"}; ${config.openAccess ? "open to this machine (no tokens)" : "team token or OAuth sign-in required"}; ${config.library} library; ${plural(total, "asset")} stored.${warnings.map((w) => ` Warning: ${w}`).join("")}`,
    };
  },
});

function accessOf(config: Config) {
  return {
    auth: config.openAccess ? ("open-local" as const) : ("required" as const),
    tokens: new Set([...config.authTokens, ...config.adminTokens]).size,
    adminTokens: config.adminTokens.length,
    signIn: config.openAccess ? [] : signInMethods(config),
    adminUsers: config.signIn.adminUsers.length,
    library: config.library,
    developmentSigningKey: usesDevelopmentSigningKey(config),
    allowedOrigins: config.allowedOrigins,
  };
}

function signInMethods(config: Config): Array<"team-token" | "secret" | "oidc" | "github"> {
  const { secret, oidc, github } = config.signIn;
  return [
    ...(config.authTokens.length + config.adminTokens.length > 0 ? (["team-token"] as const) : []),
    ...(secret ? (["secret"] as const) : []),
    ...(oidc ? (["oidc"] as const) : []),
    ...(github ? (["github"] as const) : []),
  ];
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
