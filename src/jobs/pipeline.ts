import { ToolError, type ToolErrorCode } from "../errors";
import type { Services } from "../services";

/** Where a pipeline reports what it is doing ("partial image 1", "answer received"). */
export type ProgressSink = (stage: string) => Promise<void>;

/**
 * All a pipeline may use, inside a tool call or a Workflow step alike: never a tool
 * context, so the same code runs wherever the work lives.
 */
export interface PipelineContext {
  services: Services;
  /** Aborts when the job is cancelled or passes its deadline. */
  signal: AbortSignal;
  progress: ProgressSink;
  /**
   * Reports what a paid upstream call cost, as soon as OpenAI answered: USD from the usage it
   * reported (cost.ts), or null when it reported none. The job's reservation is settled with the
   * sum (every attempt), so call it once per paid call. Absent outside a job with a budget.
   */
  charge?: (usd: number | null) => Promise<void>;
}

/** What a job kind stores: the cache entry's assets and the fields that replay from the cache. */
export interface Produced<R> {
  assetIds: string[];
  result: R;
}

/**
 * OpenAI answered, and charged, but the answer cannot be used (cut off, not the schema
 * asked for): asking again would pay again for likely the same answer, so a job never
 * retries it on its own.
 */
export class PaidAnswerError extends ToolError {
  readonly paid = true;
  constructor(message: string, code: ToolErrorCode = "upstream_error") {
    super(message, code);
  }
}

/** Tries after the first to keep paid work before the job gives up on it. */
const KEEP_PAID_WORK_RETRIES = 1;

/**
 * Stores what OpenAI already made and billed. A failure here must never send the job round
 * again, since a retry would buy the same work a second time: the store is tried once more in
 * place (every write in it is idempotent by content hash), and a second failure ends the job for
 * good with an error that says the work was paid for.
 */
export async function keepPaidWork<T>(services: Services, what: string, store: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await store();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (attempt < KEEP_PAID_WORK_RETRIES) {
        services.log.log("warning", "store", { event: "storing paid work failed; trying again", what, error: reason });
        continue;
      }
      throw new PaidAnswerError(
        `OpenAI made ${what} and billed for it, but storing the result failed twice (${reason}). The job stops here rather than pay again on its own; calling the tool again pays again.`,
        "upstream_error",
      );
    }
  }
}
