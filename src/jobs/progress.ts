/** Heartbeat while a call waits on a job: well under the 10 s the clients we know tolerate between notices. */
export const HEARTBEAT_MS = 5_000;

export interface ProgressNotice {
  progress: number;
  total?: number;
  message?: string;
}

/**
 * Progress notifications for one tool call. The spec says each value MUST be larger than
 * the last, so every notice (a new stage or a heartbeat repeating the stage) counts up
 * by one; the message says what is happening.
 */
export function progressNotifier(report: (notice: ProgressNotice) => Promise<void>) {
  let sent = 0;
  return {
    send(message: string): Promise<void> {
      sent += 1;
      return report({ progress: sent, message }).catch(() => undefined);
    },
    get count() {
      return sent;
    },
  };
}
