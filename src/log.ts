/**
 * What the server tells a connected client about its work (upstream calls, cache decisions):
 * MCP `notifications/message` in both eras. Services and pipelines log through this interface
 * only; the adapters decide where messages go and which levels the client asked for.
 */
export const LOG_LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  /** Fire and forget: logging never slows down or fails the work it describes. */
  log(level: LogLevel, logger: string, data: Record<string, unknown>): void;
  /**
   * The least severe level anyone hears through this logger (null: nobody hears anything);
   * absent when unknown. Work that has to carry messages somewhere (a job's log, kept for the
   * callers waiting on it) keeps only these.
   */
  readonly level?: LogLevel | null;
}

export const SILENT_LOGGER: Logger = { log() {}, level: null };

/** Whether a message at `level` passes a client's `logging/setLevel` threshold. */
export function passes(level: LogLevel, threshold: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(threshold);
}

/**
 * Runs one stage of a pipeline and logs how long it took at debug level (the bench reads these
 * to break a cache miss down). Durations only: never a calendar decision.
 */
export async function timed<T>(log: Logger, stage: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await run();
  } finally {
    log.log("debug", "timing", { stage, ms: Math.round((performance.now() - started) * 10) / 10 });
  }
}
