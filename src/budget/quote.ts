import { z } from "zod";
import type { Config } from "../config";
import { type Budget, type CostQuote, type SpendToday, usd } from "./budget";

export const QuoteOut = z
  .object({
    worstCaseUsd: z.number().describe("The most this call can cost: what is reserved against your budget while it runs."),
    typicalUsd: z
      .number()
      .describe("What such a call usually costs (auto quality taken as medium, auto size as 1024x1024, half the output budget)."),
    basis: z.array(z.string()).describe("How the worst case was reached."),
    ceilings: z.object({
      dailyBudgetUsd: z.number().describe("Per caller per UTC day (DAILY_BUDGET_USD)."),
      maxCallCostUsd: z.number().describe("Per call (MAX_CALL_COST_USD)."),
      confirmAboveUsd: z.number().describe("Calls whose worst case is above this ask first (CONFIRM_ABOVE_USD)."),
    }),
    today: z.object({
      day: z.string().describe("The UTC day."),
      spentUsd: z.number(),
      reservedUsd: z.number().describe("Held for your calls still running."),
      leftUsd: z.number(),
      resetsAt: z.string().describe("The next UTC midnight."),
    }),
    verdict: z
      .enum(["would_run", "needs_confirmation", "over_call_ceiling", "over_daily_budget"])
      .describe("What calling without estimate would do now."),
  })
  .describe("The cost estimate (estimate: true, or a call the user declined): nothing was paid or stored.");
export type Quote = z.infer<typeof QuoteOut>;

export async function quoteFor(budget: Budget, config: Config, quote: CostQuote): Promise<{ quote: Quote; today: SpendToday }> {
  const today = await budget.today();
  const refusal = budget.refusalFor(quote.worstUsd, today);
  const verdict: Quote["verdict"] = refusal
    ? quote.worstUsd > config.maxCallCostUsd
      ? "over_call_ceiling"
      : "over_daily_budget"
    : quote.worstUsd > config.confirmAboveUsd
      ? "needs_confirmation"
      : "would_run";
  return {
    today,
    quote: {
      worstCaseUsd: quote.worstUsd,
      typicalUsd: quote.typicalUsd,
      basis: quote.basis,
      ceilings: { dailyBudgetUsd: config.dailyBudgetUsd, maxCallCostUsd: config.maxCallCostUsd, confirmAboveUsd: config.confirmAboveUsd },
      today: { day: today.day, spentUsd: today.spentUsd, reservedUsd: today.reservedUsd, leftUsd: today.leftUsd, resetsAt: today.resetsAt },
      verdict,
    },
  };
}

const VERDICT_TEXT: Record<Quote["verdict"], string> = {
  would_run: "it would run now",
  needs_confirmation: "it would ask you to confirm first (or pass confirm_cost: true)",
  over_call_ceiling: "it would be refused: above the per-call ceiling",
  over_daily_budget: "it would be refused: not enough of today's budget is left",
};

export function quoteSummary(tool: string, quote: Quote): string {
  return `Estimate for ${tool}: up to ${usd(quote.worstCaseUsd)}, typically ${usd(quote.typicalUsd)}; ${usd(quote.today.leftUsd)} of your $${quote.ceilings.dailyBudgetUsd} daily budget is left (resets ${quote.today.resetsAt}); ${VERDICT_TEXT[quote.verdict]}. Nothing was paid or stored.`;
}
