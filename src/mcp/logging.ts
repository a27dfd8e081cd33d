import { LOG_LEVELS, passes, type Logger, type LogLevel } from "../log";

/**
 * Until a 2025-era client sends `logging/setLevel`, only warnings and worse reach it: the
 * spec lets the server choose, and most clients show every message they get.
 */
export const DEFAULT_SESSION_LOG_LEVEL: LogLevel = "warning";

/** Where a session keeps the level its client chose (the session Durable Object's storage, so it survives eviction). */
export interface LogLevelStore {
  get(): Promise<LogLevel | undefined>;
  set(level: LogLevel): Promise<void>;
}

export function memoryLogLevelStore(): LogLevelStore {
  let level: LogLevel | undefined;
  return {
    get: async () => level,
    set: async (next) => {
      level = next;
    },
  };
}

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === "string" && (LOG_LEVELS as readonly string[]).includes(value);
}

export interface LogMessageParams {
  [key: string]: unknown;
  level: LogLevel;
  logger: string;
  data: Record<string, unknown>;
}

/** A logger that sends `notifications/message` for levels at or above `threshold`, dropping send failures. */
export function notifyingLogger(threshold: LogLevel, send: (params: LogMessageParams) => Promise<void>): Logger {
  return {
    level: threshold,
    log(level, logger, data) {
      if (!passes(level, threshold)) return;
      send({ level, logger, data }).catch(() => undefined);
    },
  };
}
