/**
 * create_3d_model and edit_3d_model under the spending budget: the MAX_3D_COST_USD bound is the
 * quote's worst case and the reservation; every call of the loop (planning, critiques, concept,
 * textures) is charged once, so the day's spending equals the cost the result reports.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { usd } from "../../src/budget/budget";
import { ledgerFor, type LedgerAudit } from "../../src/budget/ledger-state";
import { readConfig, type Config } from "../../src/config";
import { tokenCaller } from "../../src/identity";
import { quoteOfModel } from "../../src/jobs/model-create";
import { prepareCreate, prepareEdit, type ModelRequestCommon } from "../../src/jobs/model-request";
import { createServices, type Services } from "../../src/services";
import { BUILD_3D_EXAMPLE } from "../../src/tools/models.tools";
import { FakeOpenAIControl } from "../fake-openai/control";
import { NEXT_MIDNIGHT, resultText as text, runAs, settledAudit, sleep, quoteOf, type CostAnswers } from "../support/budget-caller";
import { SUITE_DATE } from "../support/suite-date";

const fake = new FakeOpenAIControl(inject("fakeOpenAIUrl"));
beforeEach(() => fake.reset());

type Made = { usage: { usd: number; calls: number }; cost: { usd: number }; textures: unknown[]; job?: unknown };

let callers = 0;

/** A caller with a ledger of its own, running tools with `changes` to the configuration; `answers` replies to cost questions. */
function newCaller(changes: Partial<Config> = {}, answers?: CostAnswers) {
  const id = `model-budget-${++callers}-${crypto.randomUUID()}`;
  const services: Services = createServices(env, { ...readConfig(env), ...changes }, "http://localhost", tokenCaller(id));
  const ledger = ledgerFor(env.SPENDING_LEDGER, id);
  const call = (name: string, args: Record<string, unknown>) => runAs(services, name, { wait_seconds: 120, ...args }, answers);
  const audit = (): Promise<LedgerAudit> => ledger.audit(Date.now());
  return { services, call, audit, settled: () => settledAudit(audit) };
}

const common = (description: string, more: Partial<ModelRequestCommon & { concept: boolean; textures: boolean }> = {}) => ({
  brief: { description, change: null, style: null, size: null, triangleBudget: null },
  refinePasses: 2,
  returnMode: "preview" as const,
  fresh: false,
  concept: true,
  textures: false,
  ...more,
});

/** The quote the tool should give for these create arguments, from the same bound the job reserves. */
async function expectedQuote(services: Services, description: string, more: Parameters<typeof common>[1] = {}) {
  return quoteOfModel(await prepareCreate(services, common(description, more), { given: false, staged: null }));
}

describe("create_3d_model and edit_3d_model: estimate: true", () => {
  it("returns the MAX_3D_COST_USD bound as the worst case with a typical figure, and pays, stores and reserves nothing", async () => {
    const caller = newCaller();
    const expected = await expectedQuote(caller.services, "an estimated anvil", { textures: true });
    const result = await caller.call("create_3d_model", { description: "an estimated anvil", textures: true, estimate: true });
    expect(result.isError, text(result)).toBeFalsy();
    const quote = quoteOf(result);
    expect(quote).toMatchObject({ worstCaseUsd: expected.worstUsd, typicalUsd: expected.typicalUsd, basis: expected.basis });
    expect(quote.typicalUsd).toBeGreaterThan(0);
    expect(quote.typicalUsd).toBeLessThan(quote.worstCaseUsd);
    const { estimate } = await prepareCreate(caller.services, common("an estimated anvil", { textures: true }), {
      given: false,
      staged: null,
    });
    expect(quote.basis.slice(1)).toEqual([
      `2 critique passes: ${usd(estimate.critiquesUsd)}`,
      `concept image: ${usd(estimate.conceptUsd)}`,
      `textures: up to 6 images, ${usd(estimate.texturesUsd)}`,
    ]);
    // The default request stays under the default CONFIRM_ABOVE_USD ($0.5): it runs without asking.
    expect(quote.verdict).toBe("would_run");
    expect(text(result).split("\n")[0]).toBe(
      `Estimate for create_3d_model: up to ${usd(expected.worstUsd)}, typically ${usd(expected.typicalUsd)}; $10.0000 of your $10 daily budget is left (resets ${NEXT_MIDNIGHT}); it would run now. Nothing was paid or stored.`,
    );
    expect(await fake.requests()).toEqual([]);
    expect(await caller.audit()).toEqual({ days: {}, open: [] });
  });

  it("quotes edit_3d_model from the stored spec without calling OpenAI", async () => {
    const caller = newCaller();
    const built = await caller.call("build_3d_model", { spec: BUILD_3D_EXAMPLE });
    const modelId = (built.structuredContent?.["model"] as { id: string }).id;
    const record = (await caller.services.library.get(modelId))!;
    const spec = await prepareEdit(
      caller.services,
      { instruction: "make it taller", refinePasses: 1, returnMode: "preview", fresh: false },
      record,
    );
    const result = await caller.call("edit_3d_model", { model: modelId, instruction: "make it taller", estimate: true });
    const quote = quoteOf(result);
    expect(quote).toMatchObject({ worstCaseUsd: spec.estimate.maxCostUsd, typicalUsd: quoteOfModel(spec).typicalUsd });
    expect(await fake.requests()).toEqual([]);
    expect(await caller.audit()).toEqual({ days: {}, open: [] });
  });

  it("refuses a malformed estimate or confirm_cost, naming the field", async () => {
    const caller = newCaller();
    const bad = await caller.call("create_3d_model", { description: "a malformed anvil", estimate: "yes" });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toBe('Invalid arguments for create_3d_model: estimate: must be a boolean, not string "yes". Fix it and call again.');
    const worse = await caller.call("edit_3d_model", { model: "0".repeat(64), instruction: "x", confirm_cost: 1 });
    expect(text(worse)).toBe("Invalid arguments for edit_3d_model: confirm_cost: must be a boolean, not number 1. Fix it and call again.");
    expect(await fake.requests()).toEqual([]);
  });
});

describe("create_3d_model: ceilings and confirmation", () => {
  it("refuses a run that would pass DAILY_BUDGET_USD with the exact message, before any OpenAI call", async () => {
    const caller = newCaller({ dailyBudgetUsd: 0.001 });
    const { worstUsd } = await expectedQuote(caller.services, "a refused robot", { refinePasses: 1 });
    const refused = await caller.call("create_3d_model", { description: "a refused robot", refine_passes: 1 });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toBe(
      `This call could cost up to ${usd(worstUsd)}, which would pass your daily budget of $0.001 (DAILY_BUDGET_USD): $0.0010 is left. Today (${SUITE_DATE} UTC) you have spent $0.0000 and $0.0000 is reserved by calls still running; the daily budget resets at ${NEXT_MIDNIGHT} (UTC midnight). Ask for less, wait for the reset or for running calls to settle, or ask the operator to raise DAILY_BUDGET_USD.`,
    );
    expect(await fake.requests()).toEqual([]);
    expect(await caller.audit()).toEqual({ days: {}, open: [] });
  });

  it("asks the user above CONFIRM_ABOVE_USD; a decline costs nothing, a client that cannot ask needs confirm_cost", async () => {
    const questions: string[] = [];
    const asked = newCaller({ confirmAboveUsd: 0.001 }, { answer: () => "decline", questions });
    const quote = await expectedQuote(asked.services, "a confirmed crate", { refinePasses: 0, concept: false });
    const args = { description: "a confirmed crate", refine_passes: 0, concept: false };
    const declined = await asked.call("create_3d_model", args);
    expect(declined.isError).toBeFalsy();
    expect(questions).toEqual([
      `create_3d_model could cost up to ${usd(quote.worstUsd)} (typically ${usd(quote.typicalUsd)}). You have $10.0000 of your $10 daily budget left today. Go ahead?`,
    ]);
    expect(text(declined).split("\n")[0]).toBe(
      `Not run: the user declined a cost of up to ${usd(quote.worstUsd)}. Nothing was paid or stored.`,
    );
    expect(await fake.requests()).toEqual([]);
    expect(await asked.audit()).toEqual({ days: {}, open: [] });

    const mute = newCaller({ confirmAboveUsd: 0.001 });
    const refused = await mute.call("create_3d_model", args);
    expect(text(refused)).toBe(
      `confirm_cost: this create_3d_model call could cost up to ${usd(quote.worstUsd)}, above $0.001 (CONFIRM_ABOVE_USD), and this client cannot ask the user. Ask the user yourself, then call again with confirm_cost: true (or call with estimate: true to see the figures).`,
    );
    expect(await fake.requests()).toEqual([]);
    const done = await mute.call("create_3d_model", { ...args, confirm_cost: true });
    expect(done.isError, text(done)).toBeFalsy();
    expect((await fake.requests()).map((r) => r.path)).toEqual(["/v1/responses"]);
  });
});

describe("create_3d_model: settlement", () => {
  it("settles with exactly the cost the result reports: planning, critiques, concept and textures, each charged once", async () => {
    const caller = newCaller();
    const { worstUsd } = await expectedQuote(caller.services, "a settled stool", { refinePasses: 2, textures: true });
    const result = await caller.call("create_3d_model", { description: "a settled stool", refine_passes: 2, textures: true });
    expect(result.isError, text(result)).toBeFalsy();
    const made = result.structuredContent as Made;
    const requests = await fake.requests();
    // Every OpenAI call made is one the result counts (concept and textures go through image production inside this job).
    expect(made.usage.calls).toBe(requests.length);
    expect(requests.filter((r) => r.path === "/v1/images/generations").length).toBe(1 + made.textures.length);
    expect(made.textures.length).toBeGreaterThan(0);
    const audit = await caller.settled();
    expect(audit.open).toEqual([]);
    expect(audit.days[SUITE_DATE]?.settled).toBe(1);
    expect(Math.abs(audit.days[SUITE_DATE]!.spentUsd - made.cost.usd)).toBeLessThanOrEqual(1e-6);
    expect(made.cost.usd).toBe(made.usage.usd);
    expect(made.cost.usd).toBeLessThanOrEqual(worstUsd);
    // A repeat comes from the cache: no reservation, nothing more spent.
    const again = await caller.call("create_3d_model", { description: "a settled stool", refine_passes: 2, textures: true });
    expect(again.structuredContent).toMatchObject({ cached: true, cost: { usd: 0 } });
    expect(await caller.audit()).toEqual(audit);
  });

  it("settles an edit with the cost it reports", async () => {
    const caller = newCaller();
    const built = await caller.call("build_3d_model", { spec: BUILD_3D_EXAMPLE });
    const modelId = (built.structuredContent?.["model"] as { id: string }).id;
    const result = await caller.call("edit_3d_model", { model: modelId, instruction: "add a shelf", refine_passes: 1 });
    expect(result.isError, text(result)).toBeFalsy();
    const made = result.structuredContent as Made;
    expect(made.usage.calls).toBe(2);
    const audit = await caller.settled();
    expect(Math.abs(audit.days[SUITE_DATE]!.spentUsd - made.cost.usd)).toBeLessThanOrEqual(1e-6);
  });

  it("a run that fails before anything is paid releases its reservation: nothing spent", async () => {
    const caller = newCaller();
    await fake.addFault({ kind: "moderation", path: "/v1/images/generations" });
    const failed = await caller.call("create_3d_model", { description: "a blocked concept", refine_passes: 0 });
    expect(failed.isError).toBe(true);
    expect(await caller.settled()).toEqual({ days: { [SUITE_DATE]: { spentUsd: 0, settled: 1 } }, open: [] });
  });

  it("a cancelled run releases its reservation", async () => {
    const caller = newCaller();
    await fake.addFault({ kind: "slow", path: "/v1/responses", delayMs: 4000 });
    const started = await caller.call("create_3d_model", {
      description: "a cancelled canoe",
      concept: false,
      refine_passes: 0,
      wait_seconds: 0,
    });
    const job = started.structuredContent?.["job"] as { id: string };
    expect((await caller.audit()).open).toHaveLength(1);
    await sleep(500);
    const cancelled = await caller.call("cancel_job", { job_id: job.id });
    expect(cancelled.isError, text(cancelled)).toBeFalsy();
    expect(await caller.settled()).toEqual({ days: { [SUITE_DATE]: { spentUsd: 0, settled: 1 } }, open: [] });
  });

  it("a run that fails after paid calls releases the rest of its hold and keeps what was paid", async () => {
    const caller = newCaller();
    await fake.addFault([
      { kind: "slow", path: "/v1/responses", delayMs: 0 },
      { kind: "long_reasoning", path: "/v1/responses" },
    ]);
    const { worstUsd } = await expectedQuote(caller.services, "a critique that runs dry", { refinePasses: 1, concept: false });
    const failed = await caller.call("create_3d_model", { description: "a critique that runs dry", concept: false, refine_passes: 1 });
    expect(failed.isError).toBe(true);
    expect(text(failed)).toBe(
      "The critique 1 of 1 answer was cut off by its output budget (10192 output tokens, 10192 of them reasoning); nothing was stored. Describe a simpler model, lower the reasoning effort, or pick another model.",
    );
    const audit = await caller.settled();
    expect(audit.open).toEqual([]);
    const spent = audit.days[SUITE_DATE]!.spentUsd;
    // The plan and the cut-off critique were paid; the rest of the worst case went back.
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThan(worstUsd);
  });
});
