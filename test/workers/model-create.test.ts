import { env } from "cloudflare:workers";
import { WebIO } from "@gltf-transform/core";
import { KHRMaterialsEmissiveStrength } from "@gltf-transform/extensions";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { critiqueSchema } from "../../src/jobs/model-critique";
import { PLANNER_INSTRUCTIONS, planSchema } from "../../src/jobs/model-plan";
import { ConfigError, readConfig } from "../../src/config";
import { makeModel } from "../../src/jobs/model-create";
import { prepareCreate } from "../../src/jobs/model-request";
import { modelSpecJsonSchema } from "../../src/mesh/spec";
import { khronosValidate } from "../../src/mesh/validate";
import { strictSchemaProblems } from "../../src/openai/strict-schema";
import { BUILD_3D_EXAMPLE } from "../../src/tools/models.tools";
import { FakeOpenAIControl, type RecordedRequest } from "../fake-openai/control.ts";
import { checkJsonSchemaFormat } from "../fake-openai/json-schema.ts";
import { storeAsset, testServices } from "../support/assets";
import { call, connect, structured, textOf } from "../support/mcp";
import { solidPng } from "../support/png";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";

const fake = new FakeOpenAIControl(inject("fakeOpenAIUrl"));

type Asset = { id: string; kind: string; mimeType: string; bytes: number; downloadUrl: string };
type Pass = {
  pass: number;
  spec: string;
  score: number | null;
  questions: Array<{ question: string; answer: "yes" | "no"; evidence: string }>;
  problems: Array<{ kind: "tweak" | "structural"; description: string }>;
  kept: boolean;
};
type CreateOut = {
  model: Asset;
  spec: Asset;
  preview: Asset;
  report: { triangles: number; parts: number; materials: string[]; validator: { errors: number; warnings: number }; bytes: number };
  passes: Pass[];
  lineage: { parents: string[]; concept: string | null; reference: string | null; editedFrom: string | null };
  textures: Array<{ material: string; image: string }>;
  estimate: { maxCostUsd: number; planningUsd: number; critiquesUsd: number; conceptUsd: number; texturesUsd: number };
  usage: { calls: number; inputTokens: number; outputTokens: number; reasoningTokens: number; usd: number; estimate: boolean };
  cost: { usd: number; originalUsd: number };
  cached: boolean;
  sharedInFlight: boolean;
  notes: string[];
  job?: { id: string; status: string };
};

type Part = { type: string; text?: string; image_url?: string; detail?: string };
type ResponsesBody = {
  model: string;
  instructions: string;
  input: Array<{ type: string; role: string; content: Part[] }>;
  max_output_tokens: number;
  reasoning?: { effort: string };
  text: { format: { type: string; name: string; schema: Record<string, unknown>; strict: boolean } };
};

let client: Client;
beforeAll(async () => {
  client = await connect();
});
afterAll(async () => {
  await client.close();
});
beforeEach(async () => {
  await fake.reset();
});

const create = (args: Record<string, unknown>) => call(client, "create_3d_model", { wait_seconds: 120, ...args });
const ok = async (args: Record<string, unknown>) => structured<CreateOut>(await create(args));

async function responsesCalls(): Promise<Array<RecordedRequest & { json: ResponsesBody }>> {
  return (await fake.requests()).filter((r) => r.path === "/v1/responses") as Array<RecordedRequest & { json: ResponsesBody }>;
}
const promptOf = (request: { json: ResponsesBody }) => request.json.input[0]!.content.find((p) => p.type === "input_text")!.text!;
const imagesOf = (request: { json: ResponsesBody }) => request.json.input[0]!.content.filter((p) => p.type === "input_image");

/** Every R2 object and KV key except job listings: a failed job must leave both as they were. */
async function storedKeys(): Promise<string[]> {
  const [objects, keys] = await Promise.all([env.ASSETS.list({ limit: 1000 }), env.INDEX.list({ limit: 1000 })]);
  return [
    ...objects.objects.filter((o) => !o.key.startsWith("staging/")).map((o) => `r2:${o.key}`),
    ...keys.keys.filter((k) => !k.name.startsWith("jobs:")).map((k) => `kv:${k.name}`),
  ].sort();
}

function expectError(result: CallToolResult, message: string): void {
  expect(result.isError, textOf(result)).toBe(true);
  expect(textOf(result)).toBe(message);
}

async function bytesOf(id: string): Promise<Uint8Array> {
  const services = testServices();
  const record = await services.library.get(id);
  return (await services.library.readBytes(record!))!;
}

const readGlb = (bytes: Uint8Array) => new WebIO().registerExtensions([KHRMaterialsEmissiveStrength]).readBinary(bytes);

/** A spec answer as the planner would write it, every optional field null. */
function specAnswer(parts: Array<{ id: string; size: [number, number, number]; on?: string }>, name = "scripted"): string {
  return JSON.stringify({
    name,
    materials: [
      {
        name: "wood",
        color: "#8b5a2b",
        metallic: null,
        roughness: null,
        emissive: null,
        emissive_strength: null,
        opacity: null,
        double_sided: null,
      },
    ],
    parts: parts.map((p) => ({
      id: p.id,
      parent: p.on ?? null,
      shape: { type: "box", size: p.size },
      material: "wood",
      position: null,
      rotation: null,
      scale: null,
      attach: p.on ? { to: p.on, side: "top", offset: null } : null,
      mirror: null,
      array: null,
    })),
    options: null,
  });
}

const critiqueAnswer = (score: number, problems: Array<{ kind: string; description: string }>, revised?: string) =>
  `{"questions":[${Array.from({ length: 5 }, (_, i) => `{"question":"q${i}?","answer":"${score >= 0.5 ? "yes" : "no"}","evidence":"front view"}`).join(",")}],"score":${score},"problems":${JSON.stringify(problems)}${revised ? `,"revised_spec":${revised}` : ""}}`;

describe("create_3d_model: the planning request", () => {
  it("sends the compiler's spec schema as a strict structured output, at the catalog's default effort, with the concept image", async () => {
    const result = await ok({ description: "a small wooden stool", refine_passes: 1 });
    const [plan, critique] = await responsesCalls();
    expect(plan!.json.text.format).toEqual({ type: "json_schema", name: "model_spec", schema: modelSpecJsonSchema(), strict: true });
    expect(plan!.json.model).toBe("gpt-6.1-terra");
    expect(plan!.json.reasoning).toEqual({ effort: "medium" });
    // The answer's 12,000 tokens plus the medium reasoning allowance: reasoning counts inside max_output_tokens.
    expect(plan!.json.max_output_tokens).toBe(12_000 + 8192);
    expect(plan!.json.instructions).toBe(PLANNER_INSTRUCTIONS);
    expect(promptOf(plan!)).toContain("Description: a small wooden stool");
    expect(imagesOf(plan!)).toHaveLength(1);
    // The one concept image, generated before planning.
    expect((await fake.requests()).filter((r) => r.path === "/v1/images/generations")).toHaveLength(1);
    expect(result.lineage.concept).not.toBeNull();
    expect(result.lineage.parents).toEqual([result.spec.id, result.lineage.concept]);
    // The final critique asks for no revision; it sees the montage and the concept.
    expect(critique!.json.text.format).toMatchObject({ name: "model_critique", strict: true, schema: critiqueSchema(false) });
    expect(critique!.json.max_output_tokens).toBe(2_000 + 8192);
    expect(imagesOf(critique!)).toHaveLength(2);
    expect(promptOf(critique!)).toContain("Critique pass 1 of 1.");
  });

  it("keeps every schema it sends inside OpenAI's strict subset, as the server and the fake check it", () => {
    for (const [name, schema] of [
      ["model_spec", planSchema()],
      ["model_critique", critiqueSchema(true)],
      ["model_critique", critiqueSchema(false)],
    ] as const) {
      expect(strictSchemaProblems(schema)).toEqual([]);
      expect(() => checkJsonSchemaFormat(name, schema, true)).not.toThrow();
      expect(JSON.stringify(schema)).not.toContain("$ref");
    }
  });

  it("sends a spec the compiler refuses back once with the compiler's messages, and says so", async () => {
    await fake.script(specAnswer([{ id: "body", size: [1, 0, 1] }]));
    const result = await ok({ description: "a flat crate", concept: false, refine_passes: 0 });
    const [first, second] = await responsesCalls();
    expect(promptOf(first!)).not.toContain("refused");
    expect(promptOf(second!)).toContain(
      'Your previous spec was refused:\n- part "body": box size [1, 0, 1] has a side ≤ 0; give every side > 0 (e.g. 0.01 for a thin panel).',
    );
    expect(result.notes[0]).toBe(
      'The first spec was refused (part "body": box size [1, 0, 1] has a side ≤ 0; give every side > 0 (e.g. 0.01 for a thin panel).); it was sent back once and corrected.',
    );
    expect(result.passes).toEqual([{ pass: 1, spec: result.spec.id, score: null, questions: [], problems: [], kept: true }]);
  });

  it("fails clearly after a second refusal and stores nothing", async () => {
    const before = await storedKeys();
    await fake.script(specAnswer([{ id: "body", size: [1, 0, 1] }]), 2);
    const result = await create({ description: "a flat crate twice", concept: false, refine_passes: 0 });
    expectError(
      result,
      'The planner\'s spec was refused twice; nothing was stored. Last refusal: part "body": box size [1, 0, 1] has a side ≤ 0; give every side > 0 (e.g. 0.01 for a thin panel).. Simplify the description, or write the spec yourself with build_3d_model.',
    );
    expect(await responsesCalls()).toHaveLength(2);
    expect(await storedKeys()).toEqual(before);
  });
});

describe("create_3d_model: critique passes", () => {
  it("records every pass and keeps the best one, not the last", async () => {
    const first = specAnswer([{ id: "body", size: [0.6, 0.4, 0.4] }], "first");
    const second = specAnswer([{ id: "body", size: [0.3, 0.9, 0.3] }], "second");
    await fake.script(first);
    await fake.script(critiqueAnswer(0.7, [{ kind: "structural", description: "The lid is missing." }], second));
    await fake.script(critiqueAnswer(0.4, [{ kind: "tweak", description: "Too tall." }]));
    const result = await ok({ description: "a chest with a lid", concept: false, refine_passes: 2 });
    expect(result.passes.map((p) => [p.pass, p.score, p.kept, p.problems.map((x) => x.kind)])).toEqual([
      [1, 0.7, true, ["structural"]],
      [2, 0.4, false, ["tweak"]],
    ]);
    expect(result.passes[0]!.questions).toHaveLength(5);
    expect(result.spec.id).toBe(result.passes[0]!.spec);
    expect(new Set(result.passes.map((p) => p.spec)).size).toBe(2);
    // The kept GLB is the first pass's: 0.6 m wide, and its record names that pass's spec.
    expect(result.report.triangles).toBe(12);
    const record = await testServices().library.get(result.model.id);
    expect(record!.origin.parents).toEqual([result.passes[0]!.spec]);
    const stored = JSON.parse(new TextDecoder().decode(await bytesOf(result.passes[1]!.spec))) as { name: string };
    expect(stored.name).toBe("second");
    const calls = await responsesCalls();
    expect(calls).toHaveLength(3);
    expect(calls[1]!.json.text.format.schema).toEqual(critiqueSchema(true));
    expect(promptOf(calls[2]!)).toContain('"name":"second"');
  });

  it("stops early once a pass scores above the threshold with no structural problem", async () => {
    // Three passes are bounded above CONFIRM_ABOVE_USD ($0.5): this client cannot be asked, so it confirms up front.
    const result = await ok({ description: "a round side table", concept: false, refine_passes: 3, confirm_cost: true });
    expect(result.passes).toHaveLength(1);
    expect(result.passes[0]).toMatchObject({ score: 0.9, problems: [], kept: true });
    expect(result.notes).toEqual(["Stopped after critique 1: score 0.9 ≥ 0.8 with no structural problem."]);
    expect(await responsesCalls()).toHaveLength(2);
  });

  it("keeps going on a high score with a structural problem", async () => {
    const spec = specAnswer([{ id: "body", size: [0.5, 0.5, 0.5] }]);
    await fake.script(spec);
    await fake.script(
      critiqueAnswer(0.85, [{ kind: "structural", description: "Add legs." }], specAnswer([{ id: "body", size: [0.5, 0.6, 0.5] }])),
    );
    const result = await ok({ description: "a box on legs", concept: false, refine_passes: 2 });
    expect(result.passes.map((p) => p.score)).toEqual([0.85, 0.9]);
    expect(result.passes.map((p) => p.kept)).toEqual([false, true]);
  });

  it("keeps the best earlier pass when a revision is refused by the compiler", async () => {
    await fake.script(specAnswer([{ id: "body", size: [0.5, 0.5, 0.5] }]));
    await fake.script(
      critiqueAnswer(0.5, [{ kind: "tweak", description: "Flatten it." }], specAnswer([{ id: "body", size: [0.5, 0, 0.5] }])),
    );
    const result = await ok({ description: "a flat box", concept: false, refine_passes: 3, confirm_cost: true });
    expect(result.passes.map((p) => [p.score, p.kept])).toEqual([[0.5, true]]);
    expect(result.notes).toEqual([
      'Critique 1\'s revised spec was refused by the compiler (part "body": box size [0.5, 0, 0.5] has a side ≤ 0; give every side > 0 (e.g. 0.01 for a thin panel).); kept the best earlier pass.',
    ]);
    expect(await responsesCalls()).toHaveLength(2);
  });
});

describe("create_3d_model: progress", () => {
  it("reports every stage in order: concept, plan, compile, render, critique k of n, textures, store", async () => {
    const services = testServices();
    const spec = await prepareCreate(
      services,
      {
        brief: { description: "a staged chest", change: null, style: "low-poly", size: null, triangleBudget: null },
        refinePasses: 2,
        returnMode: "none",
        fresh: false,
        concept: true,
        textures: true,
      },
      { given: false, staged: null },
    );
    await fake.script(specAnswer([{ id: "body", size: [0.6, 0.4, 0.4] }]));
    await fake.script(critiqueAnswer(0.5, [{ kind: "tweak", description: "Wider." }], specAnswer([{ id: "body", size: [0.8, 0.4, 0.4] }])));
    const stages: string[] = [];
    const made = await makeModel(
      { services, signal: new AbortController().signal, progress: async (stage) => void stages.push(stage) },
      spec,
    );
    expect(stages).toEqual([
      "concept",
      "concept: image 1 of 1 done",
      "concept: image stored",
      "plan",
      "compile",
      "render",
      "critique 1 of 2",
      "compile pass 2",
      "render pass 2",
      "critique 2 of 2",
      "textures",
      "texture wood: image 1 of 1 done",
      "texture wood: image stored",
      "textures: 1 of 1 ready",
      "store",
      "stored",
    ]);
    expect(made.result.passes.map((p) => [p.score, p.kept])).toEqual([
      [0.5, false],
      [0.9, true],
    ]);
  });
});

describe("create_3d_model: textures", () => {
  it("embeds a texture per material, scaled to each part, and the GLB stays validator-clean", async () => {
    const result = await ok({ description: "a banded crate", concept: false, refine_passes: 0, textures: true });
    expect(result.textures.map((t) => t.material)).toEqual(["main", "trim"]);
    expect((await fake.requests()).filter((r) => r.path === "/v1/images/generations")).toHaveLength(2);
    const bytes = await bytesOf(result.model.id);
    expect((await khronosValidate(bytes)).errors).toBe(0);
    expect(result.report.validator.errors).toBe(0);
    expect(result.report.bytes).toBe(bytes.byteLength);
    const doc = await readGlb(bytes);
    const textures = doc.getRoot().listTextures();
    expect(textures.map((t) => t.getMimeType()).sort()).toEqual(["image/jpeg", "image/jpeg"]);
    const main = doc
      .getRoot()
      .listMaterials()
      .find((m) => m.getName() === "main")!;
    expect(main.getBaseColorTexture()).not.toBeNull();
    expect(main.getBaseColorFactor()).toEqual([1, 1, 1, 1]);
    // The 0.8 m body repeats its texture twice (one tile per 0.5 m, rounded).
    const body = doc
      .getRoot()
      .listMeshes()
      .find((m) => m.getName() === "body")!;
    const uvs = body.listPrimitives()[0]!.getAttribute("TEXCOORD_0")!.getArray()!;
    expect(Math.max(...uvs)).toBeCloseTo(2, 5);
    const record = await testServices().library.get(result.model.id);
    expect(record!.origin.parents).toEqual([result.spec.id, ...result.textures.map((t) => t.image)]);
  });
});

describe("create_3d_model: cost", () => {
  it("refuses a request whose bound is over MAX_3D_COST_USD with the estimate, before any call, storing nothing", async () => {
    // gpt-6-astra writes at $50 per 1M output tokens: planning alone is bounded above the default $1 cap.
    const services = testServices();
    const roomy = { ...services, config: { ...services.config, max3dCostUsd: 100 } };
    const common = {
      brief: { description: "an expensive castle", change: null, style: null, size: null, triangleBudget: null },
      refinePasses: 3,
      model: "gpt-6-astra",
      returnMode: "preview" as const,
      fresh: false,
      concept: true,
      textures: true,
    };
    const { estimate } = await prepareCreate(roomy, common, { given: false, staged: null });
    expect(estimate.maxCostUsd).toBeGreaterThan(1);
    const f = (usd: number) => `$${usd.toFixed(4)}`;
    const before = await storedKeys();
    const result = await create({ description: "an expensive castle", refine_passes: 3, textures: true, model: "gpt-6-astra" });
    expectError(
      result,
      `create_3d_model could cost up to ${f(estimate.maxCostUsd)} (planning ${f(estimate.planningUsd)}, critiques ${f(estimate.critiquesUsd)}, concept ${f(estimate.conceptUsd)}, textures ${f(estimate.texturesUsd)}), above this server's cap of $1 (MAX_3D_COST_USD). Use fewer refine_passes (now 3), concept: false, textures: false, a cheaper model, or raise MAX_3D_COST_USD.`,
    );
    expect(await fake.requests()).toEqual([]);
    expect(await storedKeys()).toEqual(before);
  });

  it("keeps the default request well under the default cap", async () => {
    const spec = await prepareCreate(
      testServices(),
      {
        brief: { description: "a default chest", change: null, style: null, size: null, triangleBudget: null },
        refinePasses: 3,
        returnMode: "preview",
        fresh: false,
        concept: true,
        textures: true,
      },
      { given: false, staged: null },
    );
    expect(spec.estimate.maxCostUsd).toBeLessThan(1);
  });

  it("reads MAX_3D_COST_USD (default 1) and names a bad value", () => {
    expect(readConfig(env).max3dCostUsd).toBe(1);
    expect(readConfig({ ...env, MAX_3D_COST_USD: "0.3" }).max3dCostUsd).toBe(0.3);
    expect(() => readConfig({ ...env, MAX_3D_COST_USD: "-1" })).toThrow(
      new ConfigError(['MAX_3D_COST_USD: must be a positive number, got "-1"']),
    );
  });

  it("reports usage and cost summed over every call, and answers a repeat from the cache for nothing", async () => {
    const result = await ok({ description: "a costed lamp", refine_passes: 1 });
    const calls = await fake.requests();
    expect(result.usage.calls).toBe(3);
    expect(calls.map((c) => c.path).sort()).toEqual(["/v1/images/generations", "/v1/responses", "/v1/responses"]);
    expect(result.usage.usd).toBeGreaterThan(0);
    expect(result.usage.usd).toBeLessThanOrEqual(result.estimate.maxCostUsd);
    expect(result.cost).toEqual({ usd: result.usage.usd, originalUsd: result.usage.usd });
    const again = await ok({ description: "a costed lamp", refine_passes: 1 });
    expect(again).toMatchObject({ cached: true, cost: { usd: 0, originalUsd: result.usage.usd } });
    expect(again.model.id).toBe(result.model.id);
    expect(await fake.requests()).toHaveLength(3);
  });
});

describe("create_3d_model: faults end the job clearly and store nothing partial", () => {
  it("at the concept image", async () => {
    const before = await storedKeys();
    await fake.addFault({ kind: "moderation", path: "/v1/images/generations" });
    const result = await create({ description: "a concept that is blocked", refine_passes: 0 });
    expect(result.isError).toBe(true);
    const [image] = (await fake.requests()).filter((r) => r.path === "/v1/images/generations");
    const id = image!.requestId;
    expectError(
      result,
      `OpenAI's safety system blocked this request (OpenAI request id ${id}): Your request was rejected by the safety system. If you believe this is an error, contact us at help.openai.com and include the request ID ${id}. Rephrase the prompt or change the input images; nothing was stored.`,
    );
    expect(await responsesCalls()).toHaveLength(0);
    expect(await storedKeys()).toEqual(before);
  });

  it("at planning", async () => {
    const before = await storedKeys();
    await fake.addFault({ kind: "refusal", path: "/v1/responses" });
    const result = await create({ description: "a plan that is refused", concept: false, refine_passes: 0 });
    const [plan] = await responsesCalls();
    expectError(
      result,
      `The model declined to answer (OpenAI request id ${plan!.requestId}): I'm sorry, but I can't help with that request.`,
    );
    expect(await storedKeys()).toEqual(before);
  });

  it("at a critique whose answer is cut off by its budget", async () => {
    const before = await storedKeys();
    await fake.script(specAnswer([{ id: "body", size: [0.5, 0.5, 0.5] }]));
    await fake.addFault([
      { kind: "slow", path: "/v1/responses", delayMs: 0 },
      { kind: "long_reasoning", path: "/v1/responses" },
    ]);
    const result = await create({ description: "a critique that runs out", concept: false, refine_passes: 1 });
    expectError(
      result,
      "The critique 1 of 1 answer was cut off by its output budget (10192 output tokens, 10192 of them reasoning); nothing was stored. Describe a simpler model, lower the reasoning effort, or pick another model.",
    );
    expect(await storedKeys()).toEqual(before);
  });

  it("at a critique that keeps failing upstream, without paying for planning again", async () => {
    const before = await storedKeys();
    await fake.addFault([
      { kind: "slow", path: "/v1/responses", delayMs: 0 },
      { kind: "server_error", path: "/v1/responses", times: 3 },
    ]);
    const result = await create({ description: "a critique upstream fails", concept: false, refine_passes: 1 });
    const calls = await responsesCalls();
    expectError(
      result,
      `OpenAI had a server error (HTTP 500) (OpenAI request id ${calls.at(-1)!.requestId}), still failing after 2 retries; nothing was stored. Try again later.`,
    );
    // One plan; the critique tried three times by the OpenAI client itself; no step retry re-plans.
    expect(calls.map((c) => c.json.text.format.name)).toEqual(["model_spec", "model_critique", "model_critique", "model_critique"]);
    expect(await storedKeys()).toEqual(before);
  });

  it("at a texture", async () => {
    const before = await storedKeys();
    await fake.addFault({ kind: "invalid_key", path: "/v1/images/generations" });
    const result = await create({ description: "textures that fail", concept: false, refine_passes: 0, textures: true });
    expect(result.isError).toBe(true);
    const [image] = (await fake.requests()).filter((r) => r.path === "/v1/images/generations");
    expectError(
      result,
      `OpenAI rejected the server's API key (OpenAI request id ${image!.requestId}). An operator must set a valid OPENAI_API_KEY.`,
    );
    expect(await storedKeys()).toEqual(before);
  });
});

describe("create_3d_model: jobs", () => {
  it("shares one job between identical requests made at once", async () => {
    await fake.setDelay(400);
    const other = await connect();
    const args = { description: "a shared windmill", concept: false, refine_passes: 1, wait_seconds: 120 };
    const [a, b] = await Promise.all([call(client, "create_3d_model", args), call(other, "create_3d_model", args)]);
    const results = [structured<CreateOut>(a), structured<CreateOut>(b)];
    expect(results[0]!.model.id).toBe(results[1]!.model.id);
    expect(results.map((r) => r.sharedInFlight).sort()).toEqual([false, true]);
    expect(await responsesCalls()).toHaveLength(2);
    await other.close();
  });

  it("returns a job handle on a short wait, and get_job delivers the model", async () => {
    await fake.setDelay(300);
    const started = await create({ description: "a slow lantern", concept: false, refine_passes: 0, wait_seconds: 0 });
    const job = (started.structuredContent as { job: { id: string; status: string } }).job;
    expect(["queued", "running"]).toContain(job.status);
    const done = structured<CreateOut>(await call(client, "get_job", { job_id: job.id, wait_seconds: 60 }));
    expect(done.report.validator.errors).toBe(0);
    expect(done.model.mimeType).toBe("model/gltf-binary");
  });
});

describe("create_3d_model: cancel_job", () => {
  it("stops the job, stores nothing, and get_job says it was cancelled", async () => {
    const before = await storedKeys();
    await fake.setDelay(3000);
    const started = await create({ description: "a model to cancel", concept: false, refine_passes: 1, wait_seconds: 0 });
    const job = (started.structuredContent as { job: { id: string } }).job;
    const cancelled = structured<{ job: { status: string } }>(await call(client, "cancel_job", { job_id: job.id }));
    expect(["cancelled", "running", "queued"]).toContain(cancelled.job.status);
    const after = await call(client, "get_job", { job_id: job.id, wait_seconds: 30 });
    expectError(after, `Job ${job.id} was cancelled (cancel_job); nothing was stored and nothing more is charged.`);
    expect(await storedKeys()).toEqual(before);
  });
});

describe("create_3d_model: bad input is refused before anything is paid", () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    [
      "refine_passes above 3",
      { description: "x", refine_passes: 4 },
      "Invalid arguments for create_3d_model: refine_passes: must be between 0 and 3; more passes rarely help (the best pass is kept anyway). Fix it and call again.",
    ],
    [
      "an empty description",
      { description: "  " },
      "Invalid arguments for create_3d_model: description: must not be empty; describe the object to model. Fix it and call again.",
    ],
    [
      "a model that is not a vision model",
      { description: "x", model: "gpt-image-2" },
      'model: unknown vision model "gpt-image-2". Allowed: gpt-6.1-terra, gpt-6.1-sol, gpt-6-astra, gpt-6-luna, gpt-5, gpt-5-mini, gpt-4.1, gpt-4.1-mini, gpt-4o, gpt-4o-mini.',
    ],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const result = await create(args);
      expectError(result, message);
      expect(await fake.requests()).toEqual([]);
    });
  }

  it("a style outside the list and a triangle budget over the compiler's maximum", async () => {
    expectError(
      await create({ description: "x", style: "voxel" }),
      'Invalid arguments for create_3d_model: style: must be one of "low-poly", "stylized", "realistic". Fix it and call again.',
    );
    expectError(
      await create({ description: "x", triangle_budget: 300_000 }),
      "Invalid arguments for create_3d_model: triangle_budget: at most 200000. Fix it and call again.",
    );
    expect(await fake.requests()).toEqual([]);
  });

  it("a reference image that is not an image, named by its field", async () => {
    const result = await create({ description: "x", reference_image: "not-an-image.png" });
    expectError(
      result,
      `reference_image: "not-an-image.png" looks like a local file path, which this remote server cannot read: call create_upload for an upload link and pass the asset id it returns, or send a small file's bytes as base64 (or a data URL).`,
    );
    expect(await fake.requests()).toEqual([]);
  });
});

describe("create_3d_model: a reference image", () => {
  it("replaces the concept: the planner and critic see it, and it is the GLB's parent", async () => {
    const reference = await storeAsset({ bytes: await solidPng(64, 48, [200, 120, 40, 255]), width: 64, height: 48 });
    const result = await ok({ description: "a crate like this one", reference_image: reference.sha256, refine_passes: 1 });
    expect((await fake.requests()).filter((r) => r.path === "/v1/images/generations")).toHaveLength(0);
    const [plan] = await responsesCalls();
    expect(imagesOf(plan!)).toHaveLength(1);
    expect(promptOf(plan!)).toContain("The attached image is the reference the model should follow.");
    expect(result.lineage).toMatchObject({ reference: reference.sha256, concept: null });
    expect(result.lineage.parents).toEqual([result.spec.id, reference.sha256]);
  });
});

describe("edit_3d_model", () => {
  it("sends the stored spec and the instruction to the planner and records the edited model as the parent", async () => {
    const built = structured<{ model: Asset; spec: Asset; report: { parts: number } }>(
      await call(client, "build_3d_model", { spec: BUILD_3D_EXAMPLE }),
    );
    const edited = structured<CreateOut>(
      await call(client, "edit_3d_model", { model: built.model.id, instruction: "add a knob on top", refine_passes: 1, wait_seconds: 120 }),
    );
    const [plan, critique] = await responsesCalls();
    expect(plan!.json.text.format).toMatchObject({ name: "model_spec", strict: true });
    expect(promptOf(critique!)).toContain("Description: side table\nChange asked for: add a knob on top");
    expect(promptOf(plan!)).toContain("Description: side table\nChange asked for: add a knob on top");
    expect(promptOf(plan!)).toContain('"name":"side table"');
    expect(edited.model.id).not.toBe(built.model.id);
    expect(edited.lineage.editedFrom).toBe(built.model.id);
    const record = await testServices().library.get(edited.model.id);
    expect(record!.origin.parents).toEqual([edited.spec.id, built.model.id]);
    expect(record!.origin.tool).toBe("edit_3d_model");
    // The fake's edit adds one knob to the stored spec.
    expect(edited.report.parts).toBe(built.report.parts + 1);
    const specRecord = await testServices().library.get(edited.spec.id);
    expect(specRecord!.origin.parents).toEqual([built.model.id, built.spec.id]);
    // The spec asset works as the starting point too.
    const fromSpec = await call(client, "edit_3d_model", {
      model: built.spec.id,
      instruction: "add a knob on top",
      refine_passes: 0,
      wait_seconds: 120,
    });
    expect(fromSpec.isError, textOf(fromSpec)).toBeFalsy();
  });

  it("refuses an image, naming the field and what to give instead", async () => {
    const image = await storeAsset({ bytes: await solidPng(8, 8, [0, 0, 0, 255]), width: 8, height: 8 });
    const result = await call(client, "edit_3d_model", { model: image.sha256, instruction: "bigger" });
    expectError(
      result,
      `model: asset ${image.sha256} is an image; give the asset id of a GLB or of its spec, as create_3d_model, edit_3d_model or build_3d_model returned them.`,
    );
    expect(await fake.requests()).toEqual([]);
  });

  it("refuses an asset that does not exist", async () => {
    const missing = "0".repeat(64);
    const result = await call(client, "edit_3d_model", { model: missing, instruction: "bigger" });
    expectError(result, `No asset ${missing} is stored here. Use list_assets to see what exists.`);
  });
});

describe("create_3d_model with random planner answers (seeded)", () => {
  it("the fake's control API refuses a seed that is not a non-negative integer", async () => {
    const response = await fetch(`${fake.apiBaseUrl.replace(/\/v1$/, "")}/__fake/settings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ specSeed: -1 }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
      "'specSeed' must be a non-negative integer, or null for deterministic answers.",
    );
  });

  it("ends every seed in a validator-clean GLB or a clear error", async () => {
    const outcomes: string[] = [];
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      await fake.reset();
      await fake.setSpecSeed(seed);
      const result = await create({ description: `random model ${seed}`, concept: false, refine_passes: 1 });
      if (result.isError) {
        expect(textOf(result)).toMatch(
          /^The planner's spec was refused twice; nothing was stored\. Last refusal: .+ Simplify the description, or write the spec yourself with build_3d_model\.$/,
        );
        outcomes.push("refused");
        continue;
      }
      const out = structured<CreateOut>(result);
      expect((await khronosValidate(await bytesOf(out.model.id))).errors).toBe(0);
      outcomes.push("built");
    }
    expect(outcomes).toContain("built");
  });
});
