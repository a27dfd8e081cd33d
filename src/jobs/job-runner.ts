import { z } from "zod";
import type { ToolOutput } from "../results";
import { ToolError } from "../errors";
import type { Services } from "../services";
import { jobKind, type JobKindName } from "./job-kinds";
import { recordsOf } from "./job-records";
import { TERMINAL, trackerFor, type JobRecord } from "./job-state";
import { HEARTBEAT_MS, progressNotifier, type ProgressNotice } from "./progress";
import type { PaidJobParams } from "./workflow";
import { reserveSpend, type Confirmation, type PaidCost } from "./spend";
import type { ReservationRef } from "../budget/ledger-state";
import { QuoteOut } from "../budget/quote";
import { ownerIdOf } from "../store/owners";

/** What a waiting tool call needs: never a tool context, so this module stays below `mcp/`. */
export interface WaitContext {
  services: Services;
  signal: AbortSignal;
  wantsProgress: boolean;
  reportProgress(notice: ProgressNotice): Promise<void>;
  /** Asks the user a yes/no question (a paid call above CONFIRM_ABOVE_USD); absent where nobody can be asked. */
  confirm?(question: string): Promise<Confirmation>;
}

export const MAX_WAIT_SECONDS = 240;
export const DEFAULT_WAIT_SECONDS = 45;

export const waitSecondsField = z
  .number()
  .min(0, "wait_seconds: must be between 0 and 240.")
  .max(MAX_WAIT_SECONDS, "wait_seconds: must be between 0 and 240; for longer work take the job handle and call get_job.")
  .default(DEFAULT_WAIT_SECONDS)
  .describe(
    "How long this call waits for the result (0–240 s, default 45). If the work takes longer, the call returns a job handle (structuredContent.job) and the work goes on: fetch the result with get_job.",
  );

export const JobHandleOut = z
  .object({
    id: z.string().describe("The job id: pass it to get_job or cancel_job."),
    tool: z.string(),
    status: z.enum(["queued", "running", "succeeded", "failed", "cancelled"]),
    progress: z.number().int().describe("Steps recorded so far (upstream events, stages); only grows."),
    stage: z.string().describe("What the job is doing now."),
    poll_after_seconds: z.number().int().describe("When to call get_job again."),
    age_seconds: z.number().int(),
    overhead_ms: z
      .object({
        queued: z.number().describe("From the job's creation to its first step running."),
        finishing: z.number().describe("From the last step's work returning to the outcome being recorded."),
      })
      .optional()
      .describe("What running as a job added, once the job has ended."),
  })
  .describe("Present when the work runs as a job: the handle to follow it with get_job.");
export type JobHandle = z.infer<typeof JobHandleOut>;

/** A paid tool's output schema: every field optional, plus a bare job handle, or a quote (estimate: true, a declined cost). */
export function withJobHandle<Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>) {
  return schema.partial().extend({
    job: JobHandleOut.optional(),
    quote: QuoteOut.optional(),
    declined: z.boolean().optional().describe("True when the user declined the cost: nothing was run, paid or stored."),
  });
}

const POLL_AFTER_SECONDS = 10;
const MAX_JOIN_ROUNDS = 3;

export const callerKey = (services: Services): string => ownerIdOf(services.caller);

const trackerOf = (services: Services, id: string) => trackerFor(services.jobs.trackers, id);

/** Unguessable: 128 random bits. Workflow instance ids allow letters, digits, `-` and `_`. */
function newJobId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `job_${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export function handleOf(record: JobRecord): JobHandle {
  return {
    id: record.id,
    tool: record.tool,
    status: record.status,
    progress: record.steps,
    stage: record.stage,
    poll_after_seconds: POLL_AFTER_SECONDS,
    age_seconds: Math.max(0, Math.round((Date.now() - record.createdAtMs) / 1000)),
    ...(record.startedAtMs && record.workDoneAtMs && record.endedAtMs
      ? { overhead_ms: { queued: record.startedAtMs - record.createdAtMs, finishing: record.endedAtMs - record.workDoneAtMs } }
      : {}),
  };
}

export interface JobRequest {
  tool: string;
  kind: JobKindName;
  /** Identical requests join on this key (the request hash, with a suffix for variants). */
  joinKey: string;
  spec: unknown;
  /** The staging batch holding this request's inputs, if it staged any. */
  stagedUnder?: string;
  /** Pay for a new result: never join a running job. */
  fresh: boolean;
  /** The request's cost: checked against the ceilings, confirmed and reserved before a job starts. */
  cost?: PaidCost;
}

/**
 * Starts the job for a request, or joins the one already running for the same key (in
 * any session, isolate or era). The request coordinator for the key holds the running
 * job's id (compare-and-set), so however many callers race, one job starts.
 */
export async function startOrJoin(
  services: Services,
  request: JobRequest,
  reservation?: ReservationRef,
): Promise<{ id: string; joined: boolean }> {
  const caller = callerKey(services);
  const id = newJobId();
  const nowMs = Date.now();
  // The record exists before anyone can find its id, so a joiner never mistakes a new job for a dead one.
  await trackerOf(services, id).create({
    id,
    tool: request.tool,
    kind: request.kind,
    joinKey: request.joinKey,
    spec: request.spec,
    stagedUnder: request.stagedUnder ?? null,
    caller,
    createdAt: services.config.clock().toISOString(),
  });
  const start = async () => {
    const params: PaidJobParams = {
      jobId: id,
      caller: services.caller,
      baseUrl: services.baseUrl,
      deadlineMs: services.config.toolDeadlineMs,
      ...(reservation ? { reservation } : {}),
      library: services.config.library,
      logLevel: services.log.level,
    };
    // Listed while its Workflow is created: a listing whose Workflow never came is reconciled as failed by get_job.
    await Promise.all([services.jobs.workflow.create({ id, params }), services.jobs.index.add(caller, { id, tool: request.tool }, nowMs)]);
    return { id, joined: false };
  };
  if (request.fresh) return start();
  const coordinator = jobCoordinator(services, request, caller);
  let expected: string | null = null;
  for (let round = 0; round < MAX_JOIN_ROUNDS; round++) {
    const holder = await coordinator.claimJob(id, expected);
    if (holder === id) return start();
    if (await joinHolder(services, request, caller, holder, nowMs)) return { id: holder, joined: true };
    expected = holder;
  }
  throw new ToolError(
    "Identical requests kept replacing each other's jobs while this call started one; try again shortly.",
    "upstream_error",
  );
}

/**
 * The coordinator holding the job for a request's key. In a private library only the same
 * caller's identical requests join: sharing a job would tell one caller (sharedInFlight, no
 * cost) what another asked for.
 */
function jobCoordinator(services: Services, request: JobRequest, caller: string) {
  const joinName = services.config.library === "private" ? `job:${caller}:${request.joinKey}` : `job:${request.joinKey}`;
  return services.coordinator.get(services.coordinator.idFromName(joinName));
}

/** Adds the caller to `holder` when that job is still running, or finished just now and still stored; whether it did. */
async function joinHolder(services: Services, request: JobRequest, caller: string, holder: string, nowMs: number): Promise<boolean> {
  const record = await trackerOf(services, holder).join(caller);
  const live = record && !TERMINAL.has(record.status);
  // Finished just now (after this call missed the cache) and still stored: share it rather than pay again.
  const justDone = record?.status === "succeeded" && record.output && (await services.cache.get(record.output.hash));
  if (!record || !(live || justDone)) return false;
  await services.jobs.index.add(caller, { id: holder, tool: request.tool }, nowMs);
  return true;
}

/**
 * Joins the job already running for this request, if there is one; never starts one. A joiner
 * pays nothing, so this comes before any quote, question or reservation.
 */
export async function joinRunning(services: Services, request: JobRequest): Promise<{ id: string; joined: true } | null> {
  if (request.fresh) return null;
  const caller = callerKey(services);
  const holder = await jobCoordinator(services, request, caller).currentJob();
  if (holder === null || !(await joinHolder(services, request, caller, holder, Date.now()))) return null;
  return { id: holder, joined: true };
}

/** The job as this caller may see it: only jobs it started or joined; anything else is "not found", never "forbidden". */
export async function visibleJob(services: Services, id: string): Promise<JobRecord> {
  const record = /^job_[0-9a-f]{32}$/.test(id) ? await trackerOf(services, id).snapshot() : null;
  if (!record || !record.callers.includes(callerKey(services))) {
    throw new ToolError(`job_id: no job ${id} is visible to you. Use list_jobs to see the jobs you started or joined.`, "not_found");
  }
  return record;
}

/** A running step beats every 5 s: silence for this long means its Workflow is gone (a restart, a crash). */
const STALE_AFTER_MS = 30_000;
/** Below this much silence a job is taken as alive without asking Workflows (beats come every 5 s). */
const CHECK_AFTER_MS = 10_000;
/** A job never started may wait in the Workflows queue for a while before that means anything. */
const NEVER_STARTED_AFTER_MS = 120_000;

/**
 * A job the tracker thinks is still going while its Workflow has ended, is gone, or has
 * gone silent (a restart of `wrangler dev` leaves instances "running" that never resume):
 * recorded as failed with a clear message, never left running for ever.
 */
async function reconcile(services: Services, record: JobRecord): Promise<JobRecord> {
  if (TERMINAL.has(record.status)) return record;
  // A running step that beat recently is alive: no need to ask Workflows.
  if (record.beatAtMs && Date.now() - record.beatAtMs < CHECK_AFTER_MS) return record;
  let status: string;
  try {
    status = (await (await services.jobs.workflow.get(record.id)).status()).status;
  } catch {
    status = "unknown";
  }
  const ended = status === "errored" || status === "terminated" || status === "unknown" || status === "complete";
  const silentMs = Date.now() - (record.beatAtMs ?? record.createdAtMs);
  const silent = record.beatAtMs ? silentMs > STALE_AFTER_MS : silentMs > NEVER_STARTED_AFTER_MS;
  if (!ended && !silent) return record;
  const tracker = trackerOf(services, record.id);
  // A complete instance wrote its outcome just before this read: take the tracker's word.
  const latest = (await tracker.snapshot()) ?? record;
  if (TERMINAL.has(latest.status)) return latest;
  const why = ended ? `its Workflow instance is ${status}` : `its Workflow has given no sign of life for ${Math.round(silentMs / 1000)} s`;
  const lost = `The job stopped without a result (${why}, for example after a server restart); nothing was stored. Call ${record.tool} again.`;
  return (await tracker.finish("failed", { error: { message: lost, code: "upstream_error" } })) ?? latest;
}

function describeStage(record: JobRecord, waitedMs: number): string {
  return `${record.tool}: ${record.stage} (${Math.round(waitedMs / 1000)} s)`;
}

/**
 * Waits up to `waitMs` for the job to end, sending a progress notice on every change and
 * at least every HEARTBEAT_MS while the client watches. The client's own cancellation
 * ends only this wait: the job goes on.
 */
export async function waitForJob(ctx: WaitContext, id: string, waitMs: number): Promise<JobRecord> {
  const tracker = trackerOf(ctx.services, id);
  const started = Date.now();
  const notifier = progressNotifier((notice) => ctx.reportProgress(notice));
  const first = await tracker.snapshot();
  if (!first) throw new ToolError(`job ${id} has no record`, "not_found");
  let record: JobRecord = first;
  // The job's own log (upstream calls, stage timings) reaches this caller through its logger and level.
  let forwarded = 0;
  const forward = () => {
    const logs = record.logs ?? [];
    for (const entry of logs.slice(forwarded)) ctx.services.log.log(entry.level, entry.logger, entry.data);
    forwarded = logs.length;
  };
  forward();
  while (!TERMINAL.has(record.status)) {
    const remaining = started + waitMs - Date.now();
    if (remaining <= 0 || ctx.signal.aborted) break;
    const next: JobRecord | null | undefined = await untilAborted(
      tracker.waitForChange(record.version, Math.min(remaining, HEARTBEAT_MS)),
      ctx.signal,
    );
    if (!next) break;
    record = next.version === record.version ? await reconcile(ctx.services, next) : next;
    forward();
    if (ctx.wantsProgress) await notifier.send(describeStage(record, Date.now() - started));
  }
  return TERMINAL.has(record.status) || waitMs > 0 ? record : reconcile(ctx.services, record);
}

/** Resolves to undefined when the signal aborts first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** What a tool returns for a job: the finished result, the job's clear error, or a handle to poll. */
export async function answerFor(
  services: Services,
  record: JobRecord,
  joined: boolean,
  options: { withHandle: boolean },
): Promise<ToolOutput<Record<string, unknown>>> {
  const job = handleOf(record);
  if (record.status === "succeeded" && record.output) {
    // Whoever started or joined the job owns its result (a no-op for the starter, who stored it).
    const records = await services.library.claim(await recordsOf(services, record.output.assetIds));
    const output = await jobKind(record.kind).present(
      services,
      record.spec,
      { records, result: record.output.result, cached: record.output.cached, shared: joined && !record.output.cached },
      record.output,
    );
    return options.withHandle ? { ...output, structured: { ...output.structured, job } } : output;
  }
  if (record.status === "failed") throw new ToolError(record.error?.message ?? "The job failed; nothing was stored.", record.error?.code);
  if (record.status === "cancelled") {
    throw new ToolError(`Job ${record.id} was cancelled (cancel_job); nothing was stored and nothing more is charged.`, "cancelled");
  }
  return {
    structured: { job },
    summary: `${record.tool} is still ${record.status === "queued" ? "queued" : "running"} as job ${record.id} (${record.stage}). It goes on and stores its result whatever this call does: call get_job with job_id "${record.id}" in about ${POLL_AFTER_SECONDS} s to get it. Calling ${record.tool} again with the same arguments joins this job and pays nothing more.`,
  };
}

/** The paid path of a tool on a cache miss: join the identical running job or start one, wait up to `waitSeconds`, answer. */
export async function runAsJob(ctx: WaitContext, request: JobRequest, waitSeconds: number): Promise<ToolOutput<Record<string, unknown>>> {
  const { services } = ctx;
  let joinedEarly: { id: string; joined: true } | null;
  try {
    joinedEarly = await joinRunning(services, request);
  } catch (error) {
    if (request.stagedUnder) await services.jobs.staging.clear(request.stagedUnder);
    throw error;
  }
  const started = joinedEarly ?? (await startReserved(ctx, request));
  if ("output" in started) return started.output;
  const { id, joined } = started;
  // A joiner's staged inputs are not needed: the job it joined has its own.
  if (joined && request.stagedUnder) await services.jobs.staging.clear(request.stagedUnder);
  const record = await waitForJob(ctx, id, waitSeconds * 1000);
  return answerFor(services, record, joined, { withHandle: false });
}

/**
 * Starts the job under the caller's reservation (the ceilings checked, a costly call confirmed),
 * so no job ever starts unreserved. An identical call may have started the same job meanwhile:
 * then this call joins it and releases its reservation, or, refused for budget, joins it anyway.
 */
async function startReserved(
  ctx: WaitContext,
  request: JobRequest,
): Promise<{ id: string; joined: boolean } | { output: ToolOutput<Record<string, unknown>> }> {
  const { services } = ctx;
  let reservation: ReservationRef | undefined;
  try {
    if (request.cost) {
      const decision = await reserveSpend(services, ctx.confirm?.bind(ctx), request.tool, request.cost);
      if (decision.kind === "declined") {
        if (request.stagedUnder) await services.jobs.staging.clear(request.stagedUnder);
        return { output: decision.output };
      }
      reservation = decision.reservation;
    }
    const started = await startOrJoin(services, request, reservation);
    // A joiner pays nothing: the job it joined holds its own reservation.
    if (started.joined && reservation) await services.budget.release(reservation);
    return started;
  } catch (error) {
    if (reservation) await services.budget.release(reservation);
    // Refused for budget while an identical call started the job: joining it costs nothing. The refusal stands otherwise.
    const overBudget = error instanceof ToolError && error.code === "over_budget";
    const late = overBudget ? await joinRunning(services, request).catch(() => null) : null;
    if (late) return late;
    if (request.stagedUnder) await services.jobs.staging.clear(request.stagedUnder);
    throw error;
  }
}
