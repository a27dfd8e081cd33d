import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep, type WorkflowStepContext } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import { readConfig, type Config } from "../config";
import { ToolError, type ToolErrorCode } from "../errors";
import { passes, type LogLevel } from "../log";
import type { Caller } from "../identity";
import type { LibraryMode } from "../store/owners";
import { createServices } from "../services";
import { jobKind } from "./job-kinds";
import { trackerFor, type JobOutput, type JobRecord, type TrackerClient } from "./job-state";
import { PaidAnswerError, type PipelineContext } from "./pipeline";
import { ReservationHandle } from "../budget/budget";
import type { ReservationRef } from "../budget/ledger-state";
import { clockOn, systemClock, type Clock } from "../clock";

export interface PaidJobParams {
  jobId: string;
  /** The starting caller (their pseudonym goes to OpenAI as `safety_identifier`). */
  caller: Caller | null;
  /** Public origin of the Worker (job results carry signed links built on it). */
  baseUrl: string;
  /** How long the work may take (TOOL_DEADLINE_SECONDS of the server that started it). */
  deadlineMs: number;
  /** The starting caller's reservation in their ledger: charged as OpenAI bills, settled or released at the end. */
  reservation?: ReservationRef;
  /** The library mode of the server that started it (LIBRARY), which decides whose cache entries the job writes. */
  library?: LibraryMode;
  /**
   * The least severe level the starting caller hears (null: none). The job's log keeps only
   * those: each kept entry is a write to its tracker and a wake-up for every waiting call.
   * Absent (instances from before it was passed): everything is kept.
   */
  logLevel?: LogLevel | null;
}

/** Upstream hiccups are worth another attempt; a bad request, a block, a billing limit or a cancel never is. */
const RETRYABLE: ReadonlySet<ToolErrorCode> = new Set(["rate_limited", "upstream_error", "timeout"]);
/** On top of the OpenAI client's own two quick retries: two more attempts, 2 s then 4 s later. */
export const STEP_RETRIES = { limit: 2, delay: "2 seconds", backoff: "exponential" } as const;
/** How often a running step looks at the cancel flag. */
const CANCEL_POLL_MS = 250;
/** How often a running step says it is alive (see STALE_AFTER_MS in job-runner). */
export const HEARTBEAT_EVERY_MS = 5_000;

type Failure = { message: string; code: ToolErrorCode };

function failureOf(error: unknown): Failure {
  if (error instanceof ToolError) return { message: error.message, code: error.code };
  console.error(
    JSON.stringify({ event: "job_step_failed", error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  );
  return { message: "The job failed with an internal error; nothing was stored. Call the tool again.", code: "upstream_error" };
}

/**
 * One paid job per instance: its steps call OpenAI and store the result (R2 blob, KV
 * record, cache entry), reporting progress and the outcome to the job's tracker. Step
 * results are small JSON (ids, usage, verdicts), never bytes. A cancel request
 * (cancel_job) aborts the running upstream call; the job then ends `cancelled` with
 * nothing stored. Every ending clears the job's staged inputs first.
 */
export class PaidJob extends WorkflowEntrypoint<Env, PaidJobParams> {
  override async run(event: Readonly<WorkflowEvent<PaidJobParams>>, step: WorkflowStep): Promise<JobOutput | null> {
    const params = event.payload;
    const tracker = trackerFor(this.env.JOB_TRACKER, params.jobId);
    this.reservation = params.reservation ? new ReservationHandle(this.env.SPENDING_LEDGER, params.reservation, this.clock()) : undefined;
    try {
      const record = await tracker.snapshot();
      if (!record) throw new Error(encodeFailure({ message: `job ${params.jobId} has no record`, code: "not_found" }));
      const kind = jobKind(record.kind);
      const followUp = kind.followUp && kind.wantsFollowUp?.(record.spec) ? kind.followUp : undefined;
      // Without a second step, the outcome is recorded inside the first: one step fewer between the work and the caller.
      const produced = JSON.parse(
        await step.do("produce", { retries: STEP_RETRIES }, (stepCtx) =>
          this.inStep(
            params,
            stepCtx,
            async (pctx, current) => {
              const output = await kind.produce(pctx, current.spec);
              // Side by side: a joiner told of the end before its claim lands claims the result itself when it reads it.
              await Promise.all([
                this.claimForJoiners(pctx, output, params.jobId),
                followUp ? undefined : this.end(tracker, "succeeded", { output }, current),
              ]);
              return JSON.stringify(output);
            },
            record,
          ),
        ),
      ) as JobOutput;
      if (!followUp) return produced;
      const extra = JSON.parse(
        await step.do("follow up", { retries: STEP_RETRIES }, (stepCtx) =>
          this.inStep(params, stepCtx, async (pctx, current) => JSON.stringify((await followUp(pctx, current.spec, produced)) ?? null)),
        ),
      ) as Record<string, unknown> | null;
      const output: JobOutput = extra ? { ...produced, extra } : produced;
      await step.do("finish", async () => {
        await this.end(tracker, "succeeded", { output });
        return true;
      });
      return output;
    } catch (error) {
      // A step gave up (its failure travels JSON-encoded in the message) or the run broke around it.
      await step.do("record failure", async () => {
        await this.end(tracker, "failed", { error: decodeFailure(error) });
        return true;
      });
      return null;
    }
  }

  private reservation: ReservationHandle | undefined;

  /** The one clock, read from the env without the full configuration (the job may be ending on a bad one). */
  private clock(): Clock {
    const date = this.env.CLOCK_DATE;
    return date && /^\d{4}-\d{2}-\d{2}$/.test(date) ? clockOn(date) : systemClock;
  }

  /**
   * Everyone who joined the job so far owns its result beside the starter (later joiners claim it
   * when they read it). The result is paid for and stored by now: a claim that fails is left to
   * the joiner's own read, never a reason to run the step (and pay) again.
   */
  private async claimForJoiners(pctx: PipelineContext, output: JobOutput, jobId: string): Promise<void> {
    try {
      const record = await trackerFor(this.env.JOB_TRACKER, jobId).snapshot();
      const starter = pctx.services.library.viewer.owner.id;
      const joiners = (record?.callers ?? []).filter((id) => id !== starter);
      if (joiners.length === 0) return;
      const records = (await Promise.all(output.assetIds.map((id) => pctx.services.library.getStored(id)))).filter(
        (r): r is NonNullable<typeof r> => r !== undefined,
      );
      for (const id of joiners) await pctx.services.library.claim(records, { id });
    } catch (error) {
      console.error(JSON.stringify({ event: "job_claim_for_joiners_failed", job: jobId, error: String(error) }));
    }
  }

  /**
   * Clears the staged inputs, settles (success) or releases (failure, cancel) the reservation
   * with what was paid, then records the ending (the first ending wins; settling twice is a no-op).
   */
  private async end(
    tracker: TrackerClient,
    status: "succeeded" | "failed" | "cancelled",
    outcome: { output?: JobOutput; error?: Failure } = {},
    known?: JobRecord,
  ) {
    const record = known ?? (await tracker.snapshot());
    if (record?.stagedUnder) await new StagingCleaner(this.env).clear(record.stagedUnder);
    // A ledger out of reach must not leave the job unended: its reservation then expires after the hold.
    if (this.reservation) {
      await (status === "succeeded" ? this.reservation.settle() : this.reservation.release()).catch((error: unknown) =>
        console.error(JSON.stringify({ event: "ledger_settle_failed", job: record?.id, error: String(error) })),
      );
    }
    await tracker.finish(status, outcome);
  }

  /**
   * Runs one step's work with the job's services, its cancel flag and deadline, and the error classes' retry rules.
   * `justRead` is the record the run read a moment before this step's first attempt: read again only for a retry.
   */
  private async inStep<T>(
    params: PaidJobParams,
    stepCtx: WorkflowStepContext,
    work: (pctx: PipelineContext, record: JobRecord) => Promise<T>,
    justRead?: JobRecord,
  ): Promise<T> {
    const tracker = trackerFor(this.env.JOB_TRACKER, params.jobId);
    const record = stepCtx.attempt === 1 && justRead ? justRead : await tracker.snapshot();
    if (!record) throw new NonRetryableError(encodeFailure({ message: `job ${params.jobId} has no record`, code: "not_found" }));
    if (record.cancelRequested) {
      await this.end(tracker, "cancelled");
      throw new NonRetryableError(encodeFailure({ message: "cancelled", code: "cancelled" }));
    }
    // What the job logs goes to its tracker; the callers waiting on it pass it on at their own levels.
    const heard = params.logLevel;
    const services = {
      ...createServices(this.env, withLibrary(readConfig(this.env), params.library), params.baseUrl, params.caller),
      log: {
        level: heard,
        log: (level: LogLevel, logger: string, data: Record<string, unknown>) => {
          if (heard === null || (heard !== undefined && !passes(level, heard))) return;
          void tracker.log({ level, logger, data }).catch(() => undefined);
        },
      },
    };
    const controller = new AbortController();
    const deadline = AbortSignal.timeout(params.deadlineMs);
    const poll = setInterval(() => {
      tracker.cancelRequested().then(
        (cancel: boolean) => cancel && controller.abort(new ToolError("cancelled", "cancelled")),
        () => undefined,
      );
    }, CANCEL_POLL_MS);
    // Reported beside the work, not before it: the tracker ignores a notice that lands after the end, and a lost one changes nothing.
    void tracker.progress(stepCtx.attempt > 1 ? `attempt ${stepCtx.attempt}: calling OpenAI` : "calling OpenAI").catch(() => undefined);
    const beat = setInterval(() => void tracker.heartbeat().catch(() => undefined), HEARTBEAT_EVERY_MS);
    void tracker.heartbeat().catch(() => undefined);
    try {
      const signal = AbortSignal.any([controller.signal, deadline]);
      const result = await work(
        {
          services,
          signal,
          charge: this.reservation ? (usd) => this.reservation!.charge(usd) : undefined,
          progress: async (stage) => {
            // The last thing a pipeline reports is its stored result: what follows is the job's own overhead.
            await tracker.progress(stage, { workDone: stage === "stored" || stage === "answer received" });
          },
        },
        record,
      );
      return result;
    } catch (error) {
      if (controller.signal.aborted) {
        await this.end(tracker, "cancelled");
        throw new NonRetryableError(encodeFailure({ message: "cancelled", code: "cancelled" }));
      }
      const failure: Failure = deadline.aborted
        ? {
            message: `The job took longer than the ${Math.round(params.deadlineMs / 1000)} s deadline and was stopped; nothing was stored. Try a smaller or lower-quality request, or raise TOOL_DEADLINE_SECONDS.`,
            code: "timeout",
          }
        : failureOf(error);
      const lastAttempt = stepCtx.attempt > STEP_RETRIES.limit;
      if (!RETRYABLE.has(failure.code) || error instanceof PaidAnswerError || lastAttempt || deadline.aborted) {
        await this.end(tracker, "failed", { error: failure });
        throw new NonRetryableError(encodeFailure(failure));
      }
      await tracker.progress(`attempt ${stepCtx.attempt} failed (${failure.message}); retrying`);
      throw new Error(encodeFailure(failure));
    } finally {
      clearInterval(poll);
      clearInterval(beat);
    }
  }
}

/** Jobs store under the library mode they were started in (instances from before it was passed: this server's). */
function withLibrary(config: Config, library: LibraryMode | undefined): Config {
  return library ? { ...config, library } : config;
}

/** Staged inputs are cleared without building the full services (the job may be ending on a bad configuration). */
class StagingCleaner {
  constructor(private readonly env: Env) {}
  async clear(batch: string): Promise<void> {
    const listed = await this.env.ASSETS.list({ prefix: `staging/${batch}/` });
    if (listed.objects.length) await this.env.ASSETS.delete(listed.objects.map((o) => o.key));
  }
}

const encodeFailure = (failure: Failure): string => JSON.stringify(failure);

function decodeFailure(error: unknown): Failure {
  const message = error instanceof Error ? error.message : String(error);
  try {
    const parsed = JSON.parse(message) as Partial<Failure>;
    if (typeof parsed.message === "string" && typeof parsed.code === "string") return { message: parsed.message, code: parsed.code };
  } catch {
    // not one of ours
  }
  return { message: `The job failed: ${message}. Nothing was stored; call the tool again.`, code: "upstream_error" };
}
