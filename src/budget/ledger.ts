import { DurableObject } from "cloudflare:workers";
import {
  roundUsd,
  type LedgerAudit,
  type LedgerTotals,
  type ReserveAnswer,
  type ReserveRequest,
  type Reservation,
  type Settlement,
} from "./ledger-state";

const DAY_PREFIX = "day:";
const RESERVATION_PREFIX = "res:";

interface DayTotals {
  spentUsd: number;
  /** Reservations closed into this day. */
  settled: number;
}

/**
 * One Durable Object per caller: what they spent each UTC day and the money held for their
 * paid jobs still running. The state is loaded once, before any call is delivered, and every
 * method checks and changes it synchronously in memory, then writes it through: a check and the
 * reservation it allows are one step, so however many calls race, the day's spent + held never
 * passes the budget on a stale total.
 */
export class SpendingLedger extends DurableObject<Env> {
  private days = new Map<string, DayTotals>();
  private reservations = new Map<string, Reservation>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      for (const [key, value] of await ctx.storage.list<DayTotals>({ prefix: DAY_PREFIX }))
        this.days.set(key.slice(DAY_PREFIX.length), value);
      for (const [, value] of await ctx.storage.list<Reservation>({ prefix: RESERVATION_PREFIX })) this.reservations.set(value.id, value);
    });
  }

  private dayTotals(day: string): DayTotals {
    return this.days.get(day) ?? { spentUsd: 0, settled: 0 };
  }

  private putDay(day: string, totals: DayTotals): void {
    this.days.set(day, totals);
    void this.ctx.storage.put(DAY_PREFIX + day, totals);
  }

  private putReservation(reservation: Reservation): void {
    this.reservations.set(reservation.id, reservation);
    void this.ctx.storage.put(RESERVATION_PREFIX + reservation.id, reservation);
  }

  private dropReservation(id: string): void {
    this.reservations.delete(id);
    void this.ctx.storage.delete(RESERVATION_PREFIX + id);
  }

  private openReservations(): Reservation[] {
    return [...this.reservations.values()];
  }

  /** What an open reservation holds: its worst case, or more if the job already paid more. */
  private static held(reservation: Reservation): number {
    return Math.max(reservation.worstUsd, reservation.paidUsd);
  }

  /** What a closed reservation costs the day: what was paid, or its worst case when a bill was unknown. */
  private static owed(reservation: Reservation): number {
    return reservation.unknownPaid ? Math.max(reservation.worstUsd, reservation.paidUsd) : reservation.paidUsd;
  }

  private close(reservation: Reservation): Settlement {
    const owed = SpendingLedger.owed(reservation);
    const totals = this.dayTotals(reservation.day);
    this.putDay(reservation.day, { spentUsd: roundUsd(totals.spentUsd + owed), settled: totals.settled + 1 });
    this.dropReservation(reservation.id);
    return { found: true, settledUsd: roundUsd(owed) };
  }

  /** Jobs past their deadline are lost (a crash): their reservations go, keeping what they paid. */
  private sweep(nowMs: number): void {
    for (const reservation of this.openReservations()) {
      if (reservation.expiresAtMs <= nowMs) this.close(reservation);
    }
  }

  private totalsOf(day: string): LedgerTotals {
    const open = this.openReservations().filter((r) => r.day === day);
    return {
      day,
      spentUsd: roundUsd(this.dayTotals(day).spentUsd),
      reservedUsd: roundUsd(open.reduce((sum, r) => sum + SpendingLedger.held(r), 0)),
      openReservations: open.length,
    };
  }

  reserve(request: ReserveRequest): ReserveAnswer {
    this.sweep(request.nowMs);
    const totals = this.totalsOf(request.day);
    if (request.worstUsd > request.maxCallCostUsd) return { ok: false, ceiling: "call", totals };
    if (roundUsd(totals.spentUsd + totals.reservedUsd + request.worstUsd) > request.dailyBudgetUsd) {
      return { ok: false, ceiling: "daily", totals };
    }
    const reservation: Reservation = {
      id: `res_${crypto.randomUUID().replaceAll("-", "")}`,
      day: request.day,
      worstUsd: roundUsd(request.worstUsd),
      paidUsd: 0,
      unknownPaid: false,
      label: request.label,
      createdAtMs: request.nowMs,
      expiresAtMs: request.expiresAtMs,
    };
    this.putReservation(reservation);
    return { ok: true, reservation, totals: this.totalsOf(request.day) };
  }

  /**
   * A paid upstream call happened: `usd` from the usage OpenAI reported, or null when it
   * reported none. Recorded at once, so a job that crashes afterwards still counts it. A
   * reservation already closed (expired) puts the money straight on `fallbackDay`.
   */
  charge(id: string, usd: number | null, fallbackDay: string): void {
    const reservation = this.reservations.get(id);
    if (!reservation) {
      const totals = this.dayTotals(fallbackDay);
      this.putDay(fallbackDay, { ...totals, spentUsd: roundUsd(totals.spentUsd + (usd ?? 0)) });
      return;
    }
    this.putReservation({
      ...reservation,
      paidUsd: roundUsd(reservation.paidUsd + (usd ?? 0)),
      unknownPaid: reservation.unknownPaid || usd === null,
    });
  }

  /** The job finished: the day is charged what it paid (every attempt), and the rest of the hold goes. */
  settle(id: string, nowMs: number): Settlement {
    const reservation = this.reservations.get(id);
    const settlement = reservation ? this.close(reservation) : { found: false, settledUsd: 0 };
    this.sweep(nowMs);
    return settlement;
  }

  /** The job failed, was cancelled or joined another: the hold goes; anything already paid stays spent. */
  release(id: string, nowMs: number): Settlement {
    return this.settle(id, nowMs);
  }

  totals(day: string, nowMs: number): LedgerTotals {
    this.sweep(nowMs);
    return this.totalsOf(day);
  }

  audit(nowMs: number): LedgerAudit {
    this.sweep(nowMs);
    return { days: Object.fromEntries(this.days), open: this.openReservations() };
  }
}
