/** The worst case and typical cost of an analysis (analyze_image, check_image, each verify check). */
import type { CostQuote } from "../budget/budget";
import { roundUsd } from "../budget/ledger-state";
import { requireVisionModel } from "../openai/catalog";
import { textCostUsd } from "../openai/cost";
import type { Services } from "../services";
import type { AnalysisPlan } from "./vision-analysis";

/**
 * analyze_image and check_image, from the checked plan: input tokens plus the whole output
 * budget (reasoning included), and the one retry with twice the budget that a cut-off answer
 * may get when both fit MAX_ANALYSIS_COST_USD. Typically: half the first budget, no retry.
 */
export function estimateAnalysisJob(plan: Pick<AnalysisPlan, "model" | "estimate" | "capUsd">, modelMaxOutput: number): CostQuote {
  const input = plan.estimate.textTokens + plan.estimate.imageTokens;
  const bound = (output: number) => textCostUsd(plan.model, { input_tokens: input, output_tokens: output }).usd;
  const budget = plan.estimate.maxOutputTokens;
  const first = plan.estimate.maxCostUsd;
  const retryBudget = Math.min(modelMaxOutput, budget * 2);
  const retry = retryBudget > budget && bound(retryBudget) <= plan.capUsd ? bound(retryBudget) : 0;
  const worst = retry > 0 ? Math.max(first, Math.min(plan.capUsd, first + retry)) : first;
  return {
    worstUsd: roundUsd(worst),
    typicalUsd: roundUsd(bound(Math.ceil(budget / 2))),
    basis: [
      `${plan.model}: ${input} input tokens, up to ${budget} output tokens (reasoning included)`,
      ...(retry > 0
        ? [`one retry with ${retryBudget} output tokens if the answer is cut off, within MAX_ANALYSIS_COST_USD ($${plan.capUsd})`]
        : []),
    ],
  };
}

/** An analysis plan's quote (analyze_image, check_image). */
export function analysisQuote(services: Services, plan: AnalysisPlan): CostQuote {
  return estimateAnalysisJob(plan, requireVisionModel(plan.model, services.config.clock()).maxOutputTokens);
}
