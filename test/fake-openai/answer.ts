// What an endpoint produces, independent of the socket: a JSON body or a stream of SSE events.
// Keeping it abstract lets faults ("malformed", "drop") corrupt any answer the same way.

export interface SseEvent {
  event: string;
  data: unknown;
}

export type Answer = { kind: "json"; status: number; body: unknown } | { kind: "sse"; events: AsyncIterable<SseEvent> };

export function jsonAnswer(body: unknown, status = 200): Answer {
  return { kind: "json", status, body };
}

/** One SSE message as the real API writes it: an `event:` line, one `data:` line, a blank line. */
export function formatSseEvent(event: SseEvent): string {
  return `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}
