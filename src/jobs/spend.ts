import { z } from "zod";
import { usd, type CostQuote } from "../budget/budget";
import type { ReservationRef } from "../budget/ledger-state";
import { quoteFor, quoteSummary, type Quote } from "../budget/quote";
import { ToolError } from "../errors";
import type { ToolOutput } from "../results";
import type { Services } from "../services";

/** Every paid tool's two cost fields. */
export const spendFields = {
  estimate: z
    .boolean()
    .default(false)
    .describe(
      "True: only say what this call would cost (worst case and typical), the ceilings and what is left of today's budget; nothing is paid or stored.",
    ),
  confirm_cost: z
    .boolean()
    .default(false)
    .describe(
      "Set true only after the user agreed to the cost, for a call above the server's confirmation threshold when the client cannot ask.",
    ),
};

export type Confirmation = "confirmed" | "declined" | "unavailable";

/**
 * What a paid request tells the job runner about its cost. A paid job kind adopts budgets with
 * two lines: `cost: { quote: () => estimateX(...), confirmed: args.confirm_cost }` in the
 * JobRequest it hands `runAsJob` (ceilings, confirmation and the reservation follow), and
 * `await pctx.charge?.(usd)` in its pipeline after each paid call (the job settles with the sum).
 */
export interface PaidCost {
  /** The request's worst case and typical cost; asked only on a cache miss (it may count prompt tokens). */
  quote(): Promise<CostQuote>;
  /** The caller passed confirm_cost: true (the user agreed already). */
  confirmed: boolean;
}

/**
 * How long a job may hold its reservation before it is taken as lost (a crash) and released:
 * two steps (the work, verify's checks), each with three attempts at the tool deadline
 * (STEP_RETRIES in workflow.ts), plus ten minutes for queueing and back-off.
 */
export function reservationHoldMs(services: Services): number {
  return 2 * 3 * services.config.toolDeadlineMs + 10 * 60_000;
}

/** estimate: true — the quote, today's spending and the ceilings; nothing paid, nothing written. */
export async function estimateOutput(services: Services, tool: string, quote: CostQuote): Promise<ToolOutput<{ quote: Quote }>> {
  const { quote: view } = await quoteFor(services.budget, services.config, quote);
  return { structured: { quote: view }, summary: quoteSummary(tool, view) };
}

export type SpendDecision =
  { kind: "reserved"; reservation: ReservationRef } | { kind: "declined"; output: ToolOutput<Record<string, unknown>> };

/**
 * Before a paid job starts: refuse a call over either ceiling, ask the user about one above
 * CONFIRM_ABOVE_USD (unless confirm_cost), then hold its worst case in the caller's ledger.
 */
export async function reserveSpend(
  services: Services,
  confirm: ((question: string) => Promise<Confirmation>) | undefined,
  tool: string,
  cost: PaidCost,
): Promise<SpendDecision> {
  const quote = await cost.quote();
  const { config, budget } = services;
  const { quote: view, today } = await quoteFor(budget, config, quote);
  const refusal = budget.refusalFor(quote.worstUsd, today);
  if (refusal) throw refusal;
  if (quote.worstUsd > config.confirmAboveUsd && !cost.confirmed) {
    const answer = confirm
      ? await confirm(
          `${tool} could cost up to ${usd(quote.worstUsd)} (typically ${usd(quote.typicalUsd)}). You have ${usd(today.leftUsd)} of your $${config.dailyBudgetUsd} daily budget left today. Go ahead?`,
        )
      : "unavailable";
    if (answer === "declined") {
      return {
        kind: "declined",
        output: {
          structured: { quote: view, declined: true },
          summary: `Not run: the user declined a cost of up to ${usd(quote.worstUsd)}. Nothing was paid or stored.`,
        },
      };
    }
    if (answer === "unavailable") {
      throw new ToolError(
        `confirm_cost: this ${tool} call could cost up to ${usd(quote.worstUsd)}, above $${config.confirmAboveUsd} (CONFIRM_ABOVE_USD), and this client cannot ask the user. Ask the user yourself, then call again with confirm_cost: true (or call with estimate: true to see the figures).`,
        "invalid_input",
      );
    }
  }
  return { kind: "reserved", reservation: await budget.reserve(quote.worstUsd, tool, reservationHoldMs(services)) };
}
