// A job as callers see it, and how they reach its tracker. No runtime import of the Durable Object
// class, so modules the registry pulls in also load outside workerd (Node-side tests and scripts).
import type { ToolErrorCode } from "../errors";
import type { LogLevel } from "../log";
import type { JobTracker } from "./job-tracker";

export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

export const TERMINAL: ReadonlySet<JobStatus> = new Set(["succeeded", "failed", "cancelled"]);

/** What a finished job hands back: small (ids and verdicts), never bytes. */
export interface JobOutput {
  hash: string;
  assetIds: string[];
  /** The fields that replay unchanged (usage, cost, what OpenAI resolved), as in the cache entry. */
  result: unknown;
  /** True when the main result came from the cache (a retry, or verify: true on a request made before). */
  cached: boolean;
  /** Extra small fields a job kind adds (verify: true stores its verdicts here). */
  extra?: Record<string, unknown>;
}

/** One paid job as every caller sees it. `spec` is the job kind's serialisable request. */
export interface JobRecord {
  id: string;
  tool: string;
  kind: string;
  /** The key identical requests join on (the request hash, plus a suffix for variants such as verify). */
  joinKey: string;
  spec: unknown;
  /** The staging batch holding the job's inputs (null: none), cleared when the job ends. */
  stagedUnder: string | null;
  /** Pseudonyms of the callers who started or joined the job ("open" on an open local server). */
  callers: string[];
  status: JobStatus;
  /** Steps recorded so far (upstream events, stages); only ever grows. */
  steps: number;
  stage: string;
  /** Epoch ms; durations only (the calendar date is the server clock's business). */
  createdAtMs: number;
  createdAt: string;
  updatedAtMs: number;
  cancelRequested: boolean;
  /** Epoch ms of the running step's last sign of life; a job silent for long has lost its Workflow. */
  beatAtMs?: number;
  /** Job overhead, for the bench and the curious: when the first step began, its work returned, the outcome was recorded. */
  startedAtMs?: number;
  workDoneAtMs?: number;
  endedAtMs?: number;
  error?: { message: string; code: ToolErrorCode };
  output?: JobOutput;
  /** What the job logged (upstream calls, stage timings), for the callers waiting on it to pass on. */
  logs?: JobLogEntry[];
  /** Bumped on every change, so waiters can ask "anything newer than N?". */
  version: number;
}

export interface JobLogEntry {
  level: LogLevel;
  logger: string;
  data: Record<string, unknown>;
}

/** A job keeps its last this-many log entries. */
export const MAX_JOB_LOGS = 100;

export type NewJob = Pick<JobRecord, "id" | "tool" | "kind" | "joinKey" | "spec" | "stagedUnder" | "createdAt"> & { caller: string };

/** The tracker's methods as callers use them (RPC stubs type `unknown` fields loosely; the records are plain data). */
export interface TrackerClient {
  create(job: NewJob): Promise<JobRecord>;
  snapshot(): Promise<JobRecord | null>;
  join(caller: string): Promise<JobRecord | null>;
  progress(stage: string, options?: { workDone?: boolean }): Promise<void>;
  finish(
    status: "succeeded" | "failed" | "cancelled",
    outcome?: { output?: JobOutput; error?: JobRecord["error"] },
  ): Promise<JobRecord | null>;
  requestCancel(): Promise<JobRecord | null>;
  cancelRequested(): Promise<boolean>;
  heartbeat(): Promise<void>;
  log(entry: JobLogEntry): Promise<void>;
  waitForChange(sinceVersion: number, timeoutMs: number): Promise<JobRecord | null>;
}

export function trackerFor(namespace: DurableObjectNamespace<JobTracker>, jobId: string): TrackerClient {
  return namespace.get(namespace.idFromName(jobId)) as unknown as TrackerClient;
}
