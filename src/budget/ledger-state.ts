// A caller's ledger as its clients see it. No runtime import of the Durable Object class, so
// modules the registry pulls in also load outside workerd (Node-side tests and scripts).
import type { SpendingLedger } from "./ledger";

/** Money the ledger holds for one paid job until it settles, is released, or expires. */
export interface Reservation {
  id: string;
  /** The UTC day (YYYY-MM-DD) the reservation was made; its spending counts toward that day. */
  day: string;
  /** The call's worst case, held against the daily budget while the job runs. */
  worstUsd: number;
  /** What the job has reported paying so far (usage OpenAI returned, priced by the catalog). */
  paidUsd: number;
  /** A paid call returned no usage: the reservation settles at least at its worst case. */
  unknownPaid: boolean;
  /** Which tool and job, for whoever reads the ledger. */
  label: string;
  createdAtMs: number;
  /** After this the job is taken as lost (a crash): the reservation is released, keeping what was paid. */
  expiresAtMs: number;
}

/** Where a job finds its reservation: the caller's ledger and the reservation's id. */
export interface ReservationRef {
  ledger: string;
  id: string;
}

/** One day's spending and what is held for calls still running. */
export interface LedgerTotals {
  day: string;
  spentUsd: number;
  reservedUsd: number;
  openReservations: number;
}

export interface ReserveRequest {
  day: string;
  worstUsd: number;
  label: string;
  nowMs: number;
  expiresAtMs: number;
  dailyBudgetUsd: number;
  maxCallCostUsd: number;
}

export type ReserveAnswer =
  { ok: true; reservation: Reservation; totals: LedgerTotals } | { ok: false; ceiling: "call" | "daily"; totals: LedgerTotals };

/** How a closed reservation ended, for logs and tests. */
export interface Settlement {
  /** False when the reservation was already closed (settled, released or expired): nothing changed. */
  found: boolean;
  settledUsd: number;
}

/** Every day's spending and every open reservation: the load run's consistency check. */
export interface LedgerAudit {
  days: Record<string, { spentUsd: number; settled: number }>;
  open: Reservation[];
}

/** The ledger's methods as clients use them (RPC stubs type fields loosely; these are plain data). */
export interface LedgerClient {
  reserve(request: ReserveRequest): Promise<ReserveAnswer>;
  charge(id: string, usd: number | null, fallbackDay: string): Promise<void>;
  settle(id: string, nowMs: number): Promise<Settlement>;
  release(id: string, nowMs: number): Promise<Settlement>;
  totals(day: string, nowMs: number): Promise<LedgerTotals>;
  audit(nowMs: number): Promise<LedgerAudit>;
}

export function ledgerFor(namespace: DurableObjectNamespace<SpendingLedger>, ledger: string): LedgerClient {
  return namespace.get(namespace.idFromName(`ledger:${ledger}`)) as unknown as LedgerClient;
}

/** Micro-dollars: sums of many small prices never drift. */
export const roundUsd = (usd: number): number => Math.round(usd * 1e6) / 1e6;
