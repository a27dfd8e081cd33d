import type { ToolContext } from "../mcp/definitions";

export const HEARTBEAT_MS = 5_000;

/**
 * Progress for a long upstream call: a step per upstream event, plus a heartbeat while
 * nothing arrives, so clients that reset their timeout on progress stay connected.
 */
export function progressReporter(ctx: ToolContext, total: number, label: string) {
  let done = 0;
  const started = Date.now();
  const send = (message: string) => ctx.reportProgress({ progress: done, total, message }).catch(() => undefined);
  const heartbeat = setInterval(
    () => void send(`${label}: waiting for OpenAI (${Math.round((Date.now() - started) / 1000)} s)`),
    HEARTBEAT_MS,
  );
  return {
    step(message: string) {
      done = Math.min(done + 1, total);
      return send(`${label}: ${message}`);
    },
    stop() {
      clearInterval(heartbeat);
    },
  };
}
