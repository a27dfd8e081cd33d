import type { Config } from "../config";
import { ToolError } from "../errors";
import type { SpendingLedger } from "./ledger";
import { ledgerFor, roundUsd, type LedgerTotals, type ReservationRef, type Settlement } from "./ledger-state";

/** A paid call's cost before it runs: the most it can cost, and what it usually costs. */
export interface CostQuote {
  worstUsd: number;
  typicalUsd: number;
  /** How the worst case was reached, one line per part (model, size, quality, n, inputs, checks). */
  basis: string[];
}

/** The caller's day as a quote or server_status shows it. */
export interface SpendToday {
  day: string;
  spentUsd: number;
  reservedUsd: number;
  leftUsd: number;
  openReservations: number;
  resetsAt: string;
}

export const usd = (value: number): string => `$${value.toFixed(4)}`;

/** The UTC calendar day of a moment, as YYYY-MM-DD. */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** The next UTC midnight after a moment: when a daily budget starts again. */
export function nextUtcMidnight(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1));
}

/**
 * One caller's spending: today's totals, and reservations for paid jobs against the daily
 * budget (DAILY_BUDGET_USD) and the per-call ceiling (MAX_CALL_COST_USD). Days are UTC days
 * of the server's one clock; hold times are durations.
 */
export class Budget {
  constructor(
    private readonly namespace: DurableObjectNamespace<SpendingLedger>,
    private readonly config: Config,
    /** The caller's ledger: their pseudonym ("open" on an open local server). */
    readonly ledger: string,
  ) {}

  private get client() {
    return ledgerFor(this.namespace, this.ledger);
  }

  private todayOf(totals: LedgerTotals, now: Date): SpendToday {
    return {
      day: totals.day,
      spentUsd: totals.spentUsd,
      reservedUsd: totals.reservedUsd,
      leftUsd: Math.max(0, roundUsd(this.config.dailyBudgetUsd - totals.spentUsd - totals.reservedUsd)),
      openReservations: totals.openReservations,
      resetsAt: nextUtcMidnight(now).toISOString(),
    };
  }

  async today(): Promise<SpendToday> {
    const now = this.config.clock();
    return this.todayOf(await this.client.totals(utcDay(now), Date.now()), now);
  }

  /** The refusal a call with this worst case would get now, if any (the quote's verdict; reserve decides for real). */
  refusalFor(worstUsd: number, today: SpendToday): ToolError | undefined {
    if (worstUsd > this.config.maxCallCostUsd) return this.overCall(worstUsd, today);
    if (roundUsd(today.spentUsd + today.reservedUsd + worstUsd) > this.config.dailyBudgetUsd) return this.overDaily(worstUsd, today);
    return undefined;
  }

  /**
   * Holds `worstUsd` of today's budget for a paid job, or refuses with a message naming the
   * ceiling, today's spending and holds, and when the day resets. `holdMs`: how long the job
   * may take before its reservation is taken as lost and released.
   */
  async reserve(worstUsd: number, label: string, holdMs: number): Promise<ReservationRef> {
    const now = this.config.clock();
    const nowMs = Date.now();
    const answer = await this.client.reserve({
      day: utcDay(now),
      worstUsd,
      label,
      nowMs,
      expiresAtMs: nowMs + holdMs,
      dailyBudgetUsd: this.config.dailyBudgetUsd,
      maxCallCostUsd: this.config.maxCallCostUsd,
    });
    if (answer.ok) return { ledger: this.ledger, id: answer.reservation.id };
    const today = this.todayOf(answer.totals, now);
    throw answer.ceiling === "call" ? this.overCall(worstUsd, today) : this.overDaily(worstUsd, today);
  }

  release(reservation: ReservationRef): Promise<Settlement> {
    return ledgerFor(this.namespace, reservation.ledger).release(reservation.id, Date.now());
  }

  private resetLine(today: SpendToday): string {
    return `Today (${today.day} UTC) you have spent ${usd(today.spentUsd)} and ${usd(today.reservedUsd)} is reserved by calls still running; the daily budget resets at ${today.resetsAt} (UTC midnight).`;
  }

  private overCall(worstUsd: number, today: SpendToday): ToolError {
    return new ToolError(
      `This call could cost up to ${usd(worstUsd)}, above this server's ceiling of $${this.config.maxCallCostUsd} per call (MAX_CALL_COST_USD). ${this.resetLine(today)} Ask for less (fewer images, a smaller size, a lower quality, fewer or smaller inputs), or ask the operator to raise MAX_CALL_COST_USD.`,
      "over_budget",
    );
  }

  private overDaily(worstUsd: number, today: SpendToday): ToolError {
    return new ToolError(
      `This call could cost up to ${usd(worstUsd)}, which would pass your daily budget of $${this.config.dailyBudgetUsd} (DAILY_BUDGET_USD): ${usd(today.leftUsd)} is left. ${this.resetLine(today)} Ask for less, wait for the reset or for running calls to settle, or ask the operator to raise DAILY_BUDGET_USD.`,
      "over_budget",
    );
  }
}

/** A job's side of its reservation: report what each paid call cost, then settle or release. */
export class ReservationHandle {
  constructor(
    private readonly namespace: DurableObjectNamespace<SpendingLedger>,
    private readonly ref: ReservationRef,
    private readonly clock: () => Date,
  ) {}

  private get client() {
    return ledgerFor(this.namespace, this.ref.ledger);
  }

  /** A charge the ledger did not take: the reservation then settles at no less than its worst case. */
  private missedCharge = false;

  /**
   * `usd` from the usage OpenAI reported (cost.ts), or null when it reported none (the worst case
   * is kept). Never throws: OpenAI has been paid, and failing the step would make a retry pay again.
   */
  async charge(usd: number | null): Promise<void> {
    try {
      await this.client.charge(this.ref.id, usd, utcDay(this.clock()));
    } catch (error) {
      this.missedCharge = true;
      console.error(JSON.stringify({ event: "ledger_charge_failed", reservation: this.ref.id, usd, error: String(error) }));
    }
  }

  private async close(how: "settle" | "release"): Promise<Settlement> {
    if (this.missedCharge) await this.client.charge(this.ref.id, null, utcDay(this.clock()));
    return how === "settle" ? this.client.settle(this.ref.id, Date.now()) : this.client.release(this.ref.id, Date.now());
  }

  settle(): Promise<Settlement> {
    return this.close("settle");
  }

  release(): Promise<Settlement> {
    return this.close("release");
  }
}
