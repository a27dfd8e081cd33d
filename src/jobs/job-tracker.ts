import { DurableObject } from "cloudflare:workers";
import { MAX_JOB_LOGS, TERMINAL, type JobLogEntry, type JobOutput, type JobRecord, type NewJob } from "./job-state";

const KEY = "job";

/**
 * One Durable Object per job id: the job's durable state (status, progress, callers,
 * cancel flag, outcome). The Workflow writes progress and the outcome here; tool calls
 * long-poll it with `waitForChange`. Storage survives restarts; waiters live in memory.
 */
export class JobTracker extends DurableObject<Env> {
  private waiters = new Set<() => void>();
  private cached: JobRecord | null | undefined;

  private async load(): Promise<JobRecord | null> {
    if (this.cached === undefined) this.cached = (await this.ctx.storage.get<JobRecord>(KEY)) ?? null;
    return this.cached;
  }

  private async save(record: JobRecord): Promise<JobRecord> {
    record.version += 1;
    record.updatedAtMs = Date.now();
    this.cached = record;
    await this.ctx.storage.put(KEY, record);
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
    return record;
  }

  async create(job: NewJob): Promise<JobRecord> {
    const existing = await this.load();
    if (existing) return existing;
    const now = Date.now();
    const { caller, ...rest } = job;
    return this.save({
      ...rest,
      callers: [caller],
      status: "queued",
      steps: 0,
      stage: "queued",
      createdAtMs: now,
      updatedAtMs: now,
      cancelRequested: false,
      version: 0,
    });
  }

  async snapshot(): Promise<JobRecord | null> {
    return this.load();
  }

  /** Adds a caller who asked for the same request; returns the record as they now see it. */
  async join(caller: string): Promise<JobRecord | null> {
    const record = await this.load();
    if (!record || record.callers.includes(caller)) return record;
    return this.save({ ...record, callers: [...record.callers, caller] });
  }

  /** A step of work happened (an upstream event, a stage); ignored once the job has ended. */
  async progress(stage: string, options: { workDone?: boolean } = {}): Promise<void> {
    const record = await this.load();
    if (!record || TERMINAL.has(record.status)) return;
    const now = Date.now();
    await this.save({
      ...record,
      status: "running",
      steps: record.steps + 1,
      stage,
      startedAtMs: record.startedAtMs ?? now,
      // The step's work has returned: what follows until the outcome is recorded is the job's own overhead.
      ...(options.workDone ? { workDoneAtMs: now } : {}),
    });
  }

  /** The first outcome wins: a job that was cancelled stays cancelled even if a late step reports success. */
  async finish(status: "succeeded" | "failed" | "cancelled", outcome: { output?: JobOutput; error?: JobRecord["error"] } = {}) {
    const record = await this.load();
    if (!record || TERMINAL.has(record.status)) return record;
    return this.save({ ...record, ...outcome, status, steps: record.steps + 1, stage: status, endedAtMs: Date.now() });
  }

  /** Asks the running step to abort its upstream call; returns the record after the request. */
  async requestCancel(): Promise<JobRecord | null> {
    const record = await this.load();
    if (!record || TERMINAL.has(record.status) || record.cancelRequested) return record;
    return this.save({ ...record, cancelRequested: true, stage: "cancelling" });
  }

  async cancelRequested(): Promise<boolean> {
    return (await this.load())?.cancelRequested ?? false;
  }

  /** A log entry from the running job, passed on by the callers waiting on it. */
  async log(entry: JobLogEntry): Promise<void> {
    const record = await this.load();
    if (!record || TERMINAL.has(record.status)) return;
    await this.save({ ...record, logs: [...(record.logs ?? []), entry].slice(-MAX_JOB_LOGS) });
  }

  /** The running step is alive. Not a change anyone waits for: stored without waking waiters. */
  async heartbeat(): Promise<void> {
    const record = await this.load();
    if (!record || TERMINAL.has(record.status)) return;
    this.cached = { ...record, beatAtMs: Date.now() };
    await this.ctx.storage.put(KEY, this.cached);
  }

  /** Long poll: the record once its version passes `sinceVersion`, or as it is after `timeoutMs`. */
  async waitForChange(sinceVersion: number, timeoutMs: number): Promise<JobRecord | null> {
    const record = await this.load();
    if (!record || record.version > sinceVersion || TERMINAL.has(record.status) || timeoutMs <= 0) return record;
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.waiters.add(wake);
    });
    return this.load();
  }
}
