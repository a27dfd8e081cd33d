import { env } from "cloudflare:workers";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { ConfigError, readConfig } from "../../src/config";
import { ledgerFor } from "../../src/budget/ledger-state";
import { clockOn } from "../../src/clock";
import { ToolError } from "../../src/errors";
import { currentImageModelIds, currentVisionModelIds } from "../../src/openai/catalog";
import { defaultModelWarnings, liveDefaultModel } from "../../src/openai/default-models";
import { SERVER_NAME, SERVER_VERSION } from "../../src/version";
import { tokenPseudonym } from "../../src/http/signing";
import { TOKEN } from "../support/mcp";
import { openaiClient } from "../../src/openai/client";
import { FakeOpenAIControl } from "../fake-openai/control";
import { storeAsset, testServices } from "../support/assets";
import { solidPng } from "../support/png";
import { SUITE_DATE } from "../support/suite-date";
import { connectModernWith, workerWith, type EnvChanges } from "../support/worker-with";

const fake = new FakeOpenAIControl(inject("fakeOpenAIUrl"));
beforeEach(() => fake.reset());

const configWith = (changes: EnvChanges) => readConfig({ ...env, ...changes } as Env);
const problemsOf = (changes: EnvChanges): string[] => {
  try {
    configWith(changes);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};
const textOf = (result: unknown) =>
  (result as CallToolResult).content.map((block) => (block.type === "text" ? block.text : `[${block.type}]`)).join("\n");

async function callWith(changes: EnvChanges, name: string, args: Record<string, unknown>) {
  const client = await connectModernWith(changes);
  try {
    return (await client.callTool({ name, arguments: args })) as CallToolResult;
  } finally {
    await client.close();
  }
}

async function assetCount(): Promise<number> {
  let n = 0;
  for await (const _ of testServices().index.all()) n++;
  return n;
}

describe("default models are checked against the catalog on the server's date", () => {
  it("accepts a current model and refuses an unknown one, naming the variable and the choices", () => {
    expect(configWith({ DEFAULT_IMAGE_MODEL: "gpt-image-2.6-flare" }).defaultImageModel).toBe("gpt-image-2.6-flare");
    expect(problemsOf({ DEFAULT_IMAGE_MODEL: "gpt-image-9" })).toEqual([
      expect.stringMatching(/^DEFAULT_IMAGE_MODEL: unknown image model "gpt-image-9"\. Allowed: gpt-image-2, /),
    ]);
    expect(problemsOf({ DEFAULT_VISION_MODEL: "gpt-6.1-sol-typo" })).toEqual([
      `DEFAULT_VISION_MODEL: unknown vision model "gpt-6.1-sol-typo". Allowed: ${currentVisionModelIds(configWith({}).clock()).join(", ")}.`,
    ]);
  });

  it("an unknown model stays a configuration error after its would-be date too: no /health 200 for a typo", async () => {
    const response = await workerWith({ CLOCK_DATE: "2026-12-02", DEFAULT_IMAGE_MODEL: "gpt-image-1.6" })("http://localhost/health");
    expect(response.status).toBe(500);
    expect(((await response.json()) as { problems: string[] }).problems).toEqual([
      `DEFAULT_IMAGE_MODEL: unknown image model "gpt-image-1.6". Allowed: ${currentImageModelIds(configWith({ CLOCK_DATE: "2026-12-02" }).clock()).join(", ")}.`,
    ]);
  });

  it("a default past its shutdown date is not a configuration error: the config reads, keeping the setting", () => {
    expect(configWith({ CLOCK_DATE: "2026-11-25", DEFAULT_IMAGE_MODEL: "gpt-image-1.5" }).defaultImageModel).toBe("gpt-image-1.5");
    expect(problemsOf({ CLOCK_DATE: "2026-12-02", DEFAULT_IMAGE_MODEL: "gpt-image-1.5" })).toEqual([]);
    expect(configWith({ CLOCK_DATE: "2026-12-02", DEFAULT_IMAGE_MODEL: "gpt-image-1.5" }).defaultImageModel).toBe("gpt-image-1.5");
    expect(problemsOf({ CLOCK_DATE: "2026-12-12", DEFAULT_VISION_MODEL: "gpt-5" })).toEqual([]);
    expect(problemsOf({ CLOCK_DATE: "2027-01-15", DEFAULT_VISION_MODEL: "gpt-4.1" })).toEqual([]);
  });

  it("a call naming no model is refused with the variable, the shutdown date and the successors; a named model passes", () => {
    const defaults = { defaultImageModel: "gpt-image-1.5", defaultVisionModel: "gpt-5" };
    const on = (date: string) => clockOn(date)();
    expect(liveDefaultModel("image", defaults, on("2026-11-30"))).toBe("gpt-image-1.5");
    const refusal = (() => {
      try {
        liveDefaultModel("image", defaults, on("2026-12-01"));
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(ToolError);
    expect(refusal).toMatchObject({ message: IMAGE_DEFAULT_REFUSAL, code: "not_configured" });
    expect(liveDefaultModel("vision", defaults, on("2026-12-10"))).toBe("gpt-5");
    expect(() => liveDefaultModel("vision", defaults, on("2026-12-11"))).toThrow(
      'DEFAULT_VISION_MODEL: this server\'s default vision model, gpt-5, was shut down by OpenAI on 2026-12-11, so a call that names no model cannot run. Name a current model in the call where the tool takes one (model: "gpt-6.1-sol"), or ask the operator to set DEFAULT_VISION_MODEL to gpt-6.1-sol.',
    );
    // Unset, the catalog's own defaults apply; they have no shutdown date.
    expect(liveDefaultModel("image", {}, on("2027-06-01"))).toBe("gpt-image-2");
    expect(liveDefaultModel("vision", {}, on("2027-06-01"))).toBe("gpt-6.1-terra");
  });

  it("warns before the shutdown and after it, and not at all for a default without one", () => {
    const defaults = { defaultImageModel: "gpt-image-1.5", defaultVisionModel: "gpt-4.1" };
    expect(defaultModelWarnings(defaults, clockOn("2026-11-25")())).toEqual([
      "DEFAULT_IMAGE_MODEL: gpt-image-1.5 shuts down on 2026-12-01; switch to gpt-image-2.6-sunburst or gpt-image-2.6-flare.",
      "DEFAULT_VISION_MODEL: gpt-4.1 shuts down on 2027-01-14; switch to gpt-6.1-sol.",
    ]);
    expect(defaultModelWarnings(defaults, clockOn("2026-12-02")())).toEqual([
      SHUT_DOWN_IMAGE_WARNING,
      "DEFAULT_VISION_MODEL: gpt-4.1 shuts down on 2027-01-14; switch to gpt-6.1-sol.",
    ]);
    expect(defaultModelWarnings({}, clockOn("2027-06-01")())).toEqual([]);
  });
});

const IMAGE_DEFAULT_REFUSAL =
  'DEFAULT_IMAGE_MODEL: this server\'s default image model, gpt-image-1.5, was shut down by OpenAI on 2026-12-01, so a call that names no model cannot run. Name a current model in the call where the tool takes one (model: "gpt-image-2.6-sunburst"), or ask the operator to set DEFAULT_IMAGE_MODEL to gpt-image-2.6-sunburst or gpt-image-2.6-flare.';

const SHUT_DOWN_IMAGE_WARNING =
  "DEFAULT_IMAGE_MODEL: gpt-image-1.5 was shut down by OpenAI on 2026-12-01; calls that name no image model are refused until it is set to gpt-image-2.6-sunburst or gpt-image-2.6-flare.";

describe("a default model past its shutdown date: the server keeps serving", () => {
  const retired = { CLOCK_DATE: "2026-12-02", DEFAULT_IMAGE_MODEL: "gpt-image-1.5" };
  const ledger = async () => ledgerFor(env.SPENDING_LEDGER, await tokenPseudonym(TOKEN, configWith({}).signingKey));

  it("/health stays 200 and ok, with the problem as a warning", async () => {
    const response = await workerWith(retired)("http://localhost/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, name: SERVER_NAME, version: SERVER_VERSION, warnings: [SHUT_DOWN_IMAGE_WARNING] });
  });

  it("generate_image naming no model is refused with the variable, date and successor: nothing paid, reserved or stored", async () => {
    const before = { assets: await assetCount(), audit: await (await ledger()).audit(Date.now()) };
    const result = await callWith(retired, "generate_image", { prompt: "a lighthouse after the shutdown" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(IMAGE_DEFAULT_REFUSAL);
    expect(await fake.requests()).toEqual([]);
    expect(await assetCount()).toBe(before.assets);
    expect(await (await ledger()).audit(Date.now())).toEqual(before.audit);
  });

  it("edit_image naming no model is refused the same way, before its input is read", async () => {
    const input = await storeAsset({ bytes: await solidPng(16, 16, [4, 5, 6, 255]) });
    const before = await assetCount();
    const result = await callWith(retired, "edit_image", { prompt: "make it red", images: [input.sha256] });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(IMAGE_DEFAULT_REFUSAL);
    expect(await fake.requests()).toEqual([]);
    expect(await assetCount()).toBe(before);
  });

  it("analyze_image naming no model is refused when DEFAULT_VISION_MODEL has shut down", async () => {
    const image = await storeAsset({ bytes: await solidPng(8, 8, [7, 8, 9, 255]) });
    const result = await callWith({ CLOCK_DATE: "2026-12-12", DEFAULT_VISION_MODEL: "gpt-5" }, "analyze_image", {
      images: [image.sha256],
      question: "What colour is it?",
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      'DEFAULT_VISION_MODEL: this server\'s default vision model, gpt-5, was shut down by OpenAI on 2026-12-11, so a call that names no model cannot run. Name a current model in the call where the tool takes one (model: "gpt-6.1-sol"), or ask the operator to set DEFAULT_VISION_MODEL to gpt-6.1-sol.',
    );
    expect(await fake.requests()).toEqual([]);
  });

  it("a call naming a live model works", async () => {
    const result = await callWith(retired, "generate_image", { prompt: "a lighthouse named after the shutdown", model: "gpt-image-2" });
    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as { parameters: { model: string } }).parameters.model).toBe("gpt-image-2");
    expect((await fake.requests()).filter((r) => r.path === "/v1/images/generations")).toHaveLength(1);
  });

  it("downloads and tools that never use the model keep working", async () => {
    const record = await storeAsset({ bytes: await solidPng(8, 8, [10, 20, 30, 255]) });
    const result = await callWith(retired, "get_asset", { id: record.sha256, return: "none" });
    expect(result.isError).toBeFalsy();
    const { downloadUrl } = (result.structuredContent as { asset: { downloadUrl: string } }).asset;
    const download = await workerWith(retired)(downloadUrl);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(await solidPng(8, 8, [10, 20, 30, 255]));
  });

  it("server_status shows the warning, in its summary too", async () => {
    const result = await callWith(retired, "server_status", {});
    expect(result.isError).toBeFalsy();
    const status = result.structuredContent as { defaults: Record<string, string>; warnings: string[] };
    expect(status.defaults).toEqual({ imageModel: "gpt-image-1.5", visionModel: "gpt-6.1-terra" });
    expect(status.warnings).toEqual([SHUT_DOWN_IMAGE_WARNING]);
    expect(textOf(result).split("\n")[0]?.endsWith(` stored. Warning: ${SHUT_DOWN_IMAGE_WARNING}`)).toBe(true);
  });
});

describe("ALLOWED_ORIGINS", () => {
  it("takes origins and *, and drops a trailing slash", () => {
    expect(configWith({ ALLOWED_ORIGINS: "https://app.example.com/, http://localhost:5173,*" }).allowedOrigins).toEqual([
      "https://app.example.com",
      "http://localhost:5173",
      "*",
    ]);
  });

  it("names each value that is not an origin and how to write it", () => {
    const fix = "write each as scheme://host[:port] with no path, e.g. https://app.example.com (or * for any)";
    expect(problemsOf({ ALLOWED_ORIGINS: "https://app.example.com/mcp,app.example.com,ftp://files.example.com" })).toEqual([
      `ALLOWED_ORIGINS: "https://app.example.com/mcp" is not an origin: ${fix}`,
      `ALLOWED_ORIGINS: "app.example.com" is not an origin: ${fix}`,
      `ALLOWED_ORIGINS: "ftp://files.example.com" is not an origin: ${fix}`,
    ]);
  });
});

describe("a bad variable", () => {
  const bad = { ALLOWED_ORIGINS: "example.com", SIGNED_URL_TTL_SECONDS: "soon" };
  const expectedProblems = [
    'ALLOWED_ORIGINS: "example.com" is not an origin: write each as scheme://host[:port] with no path, e.g. https://app.example.com (or * for any)',
    'SIGNED_URL_TTL_SECONDS: must be a positive number, got "soon"',
  ];

  it("makes /health answer 500 with ok: false and every problem named", async () => {
    const response = await workerWith(bad)("http://localhost/health");
    expect(response.status).toBe(500);
    const body = (await response.json()) as { ok: boolean; problems: string[]; fix: string };
    expect(body.ok).toBe(false);
    expect(body.problems).toEqual(expectedProblems);
    expect(body.fix).toContain("Set it with `wrangler secret put NAME` (deployed) or in `.dev.vars` (local; see .dev.vars.example).");
  });

  it("makes every MCP request a 500 whose text names the variable and how to set it", async () => {
    const response = await workerWith(bad)("http://localhost/mcp", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer test-token-one-0123456789" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(500);
    expect(await response.text()).toBe(
      `Invalid configuration: ${expectedProblems.join("; ")}. Set it with \`wrangler secret put NAME\` (deployed) or in \`.dev.vars\` (local; see .dev.vars.example).\n`,
    );
  });

  it("leaves /health ok with a valid configuration, and no warnings", async () => {
    const response = await workerWith({})("http://localhost/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, name: SERVER_NAME, version: SERVER_VERSION, warnings: [] });
  });
});

describe("configuration reaches the tools", () => {
  it("without OPENAI_API_KEY, generate_image says how to set it, calls nobody and stores nothing", async () => {
    const before = await assetCount();
    const result = await callWith({ OPENAI_API_KEY: undefined }, "generate_image", { prompt: "a lighthouse" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      "OpenAI is not configured on this server: OPENAI_API_KEY is not set. An operator sets it with `wrangler secret put OPENAI_API_KEY` (or in .dev.vars locally).",
    );
    expect(await fake.requests()).toEqual([]);
    expect(await assetCount()).toBe(before);
  });

  it("sends OPENAI_ORG_ID to OpenAI as the OpenAI-Organization header", async () => {
    // Paid calls run in a Workflow over the deployment's own env, so the client built from the changed config is asked directly.
    await openaiClient(configWith({ OPENAI_ORG_ID: "org-suite-test" })).models.list();
    const [request] = (await fake.requests()).filter((r) => r.path === "/v1/models");
    expect(request?.headers["openai-organization"]).toBe("org-suite-test");
  });

  it("signs download links for SIGNED_URL_TTL_SECONDS", async () => {
    const record = await storeAsset({ bytes: await solidPng(8, 8, [1, 2, 3, 255]) });
    const result = await callWith({ SIGNED_URL_TTL_SECONDS: "120" }, "get_asset", { id: record.sha256, return: "none" });
    const asset = (result.structuredContent as { asset: { downloadUrl: string; downloadExpiresAt: string } }).asset;
    const expires = Number(new URL(asset.downloadUrl).searchParams.get("exp"));
    const nowSeconds = Math.floor(configWith({}).clock().getTime() / 1000);
    expect(expires - nowSeconds).toBeGreaterThanOrEqual(118);
    expect(expires - nowSeconds).toBeLessThanOrEqual(120);
    expect(asset.downloadExpiresAt).toBe(new Date(expires * 1000).toISOString());
    expect(asset.downloadExpiresAt.slice(0, 10)).toBe(SUITE_DATE);
  });
});

describe("a shutdown, through the tool on the date it applies", () => {
  it("on 2026-12-02 generate_image refuses gpt-image-1.5 with its replacement named, and calls nobody", async () => {
    const result = await callWith({ CLOCK_DATE: "2026-12-02" }, "generate_image", { prompt: "a lighthouse", model: "gpt-image-1.5" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      'Model "gpt-image-1.5" was shut down by OpenAI on 2026-12-01; use gpt-image-2.6-sunburst or gpt-image-2.6-flare instead.',
    );
    expect(await fake.requests()).toEqual([]);
  });

  it("on 2026-11-30 the same call still works and carries the shutdown notice", async () => {
    const result = await callWith({ CLOCK_DATE: "2026-11-30" }, "generate_image", { prompt: "a lighthouse", model: "gpt-image-1.5" });
    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as { notices: string[] }).notices).toContain(
      "gpt-image-1.5 shuts down on 2026-12-01; switch to gpt-image-2.6-sunburst or gpt-image-2.6-flare.",
    );
  });
});

describe("server_status tells an assistant the settings it will meet", () => {
  type Status = {
    access: Record<string, unknown>;
    limits: Record<string, number>;
    capabilities: { imageGeneration: { detail: string } };
  };

  it("reports auth, the signing key in use, allowed origins and every limit", async () => {
    const result = await callWith(
      {
        ALLOWED_ORIGINS: "https://app.example.com",
        SIGNED_URL_TTL_SECONDS: "600",
        TOOL_DEADLINE_SECONDS: "90",
        MAX_ANALYSIS_COST_USD: "0.25",
        MAX_3D_COST_USD: "0.75",
      },
      "server_status",
      {},
    );
    const status = result.structuredContent as Status;
    expect(status.access).toEqual({
      auth: "required",
      tokens: 2,
      adminTokens: 0,
      signIn: ["team-token"],
      adminUsers: 0,
      library: "team",
      developmentSigningKey: false,
      allowedOrigins: ["https://app.example.com"],
    });
    expect(status.limits).toEqual({
      signedUrlTtlSeconds: 600,
      toolDeadlineSeconds: 90,
      maxAnalysisCostUsd: 0.25,
      max3dCostUsd: 0.75,
      maxInputImageBytes: 20 * 1024 * 1024,
      urlFetchTimeoutMs: 15_000,
      maxRequestBodyBytes: 4 * 1024 * 1024,
    });
    expect(textOf(result).split("\n")[0]).toMatch(
      /; OpenAI configured; team token or OAuth sign-in required; team library; \d+ assets? stored\.$/,
    );
  });

  it("names the ways to sign in, the admins and the library mode, never a secret", async () => {
    const secret = "s".repeat(24);
    const adminToken = "admin-token-0123456789abcdef";
    const result = await callWith({ SIGN_IN_SECRET: secret, ADMIN_TOKENS: adminToken, LIBRARY: "private" }, "server_status", {});
    expect((result.structuredContent as Status).access).toMatchObject({
      auth: "required",
      tokens: 3,
      adminTokens: 1,
      signIn: ["team-token", "secret"],
      adminUsers: 0,
      library: "private",
    });
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(JSON.stringify(result)).not.toContain(adminToken);
    expect(textOf(result).split("\n")[0]).toContain("; team token or OAuth sign-in required; private library; ");
  });

  it("says when a local server is open and signs with the development key", async () => {
    const result = await callWith({ DEPLOY_ENV: "development", MCP_AUTH_TOKENS: undefined, SIGNING_KEY: undefined }, "server_status", {});
    expect((result.structuredContent as Status).access).toEqual({
      auth: "open-local",
      tokens: 0,
      adminTokens: 0,
      signIn: [],
      adminUsers: 0,
      library: "team",
      developmentSigningKey: true,
      allowedOrigins: [],
    });
  });

  it("shows only the upstream's origin, never its path, query or credentials", async () => {
    const result = await callWith({ OPENAI_BASE_URL: "https://user:s3cret@gateway.example.com/team/v1?key=abc123" }, "server_status", {});
    expect((result.structuredContent as Status).capabilities.imageGeneration.detail).toBe(
      "OpenAI key set; endpoint https://gateway.example.com.",
    );
    expect(textOf(result)).not.toContain("s3cret");
    expect(textOf(result)).not.toContain("abc123");
  });
});
