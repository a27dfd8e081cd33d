import OpenAI from "openai";

/**
 * Server-sent events read straight from a response body, for the image endpoints' streams.
 *
 * Why not the SDK's own stream: it scans every byte with JavaScript loops (twice: once for event
 * boundaries, once for lines) and copies each event into its own buffer. A final 1024² image is
 * one `data:` line of ~3.7 MB; that took ~60 ms in Node and more in workerd, while decoding the
 * text natively and searching it with native string methods takes a few milliseconds. The
 * semantics are the SDK's: `[DONE]` ends the stream, `event: error` (or a body with `error`)
 * throws its APIError without a status, unreadable JSON throws a SyntaxError.
 */
export interface SseMessage {
  event: string | null;
  data: string;
}

/** Line terminators per the SSE spec: CRLF, LF or CR. The regex engine scans natively. */
const LINE_END = /\r\n?|\n/g;

/** Splits decoded text into SSE messages; the pending line is kept as pieces, joined once when it ends. */
export class SseParser {
  private pending: string[] = [];
  /** A chunk ended in CR: an LF starting the next chunk belongs to it. */
  private skipLeadingLf = false;
  private event: string | null = null;
  private data: string[] = [];

  push(text: string): SseMessage[] {
    const messages: SseMessage[] = [];
    let start = 0;
    if (this.skipLeadingLf) {
      this.skipLeadingLf = false;
      if (text.startsWith("\n")) start = 1;
    }
    LINE_END.lastIndex = start;
    for (let match = LINE_END.exec(text); match; match = LINE_END.exec(text)) {
      const piece = text.slice(start, match.index);
      const line = this.pending.length ? this.pending.join("") + piece : piece;
      this.pending = [];
      start = match.index + match[0].length;
      if (match[0] === "\r" && start === text.length) this.skipLeadingLf = true;
      const message = this.line(line);
      if (message) messages.push(message);
    }
    if (start < text.length) this.pending.push(text.slice(start));
    return messages;
  }

  /** The end of the stream: an unterminated last line and event still count (as in the SDK). */
  end(): SseMessage[] {
    const messages: SseMessage[] = [];
    if (this.pending.length) {
      const message = this.line(this.pending.join(""));
      this.pending = [];
      if (message) messages.push(message);
    }
    const last = this.dispatch();
    if (last) messages.push(last);
    return messages;
  }

  private line(line: string): SseMessage | undefined {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return undefined; // a comment
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
    // `id` and `retry` steer reconnection, which a one-shot request never does.
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const message = this.data.length || this.event !== null ? { event: this.event, data: this.data.join("\n") } : undefined;
    this.event = null;
    this.data = [];
    return message;
  }
}

/** Each message's JSON, in order, until `[DONE]` or the end of the body. */
export async function* sseJson<T>(response: Response): AsyncGenerator<T> {
  if (!response.body) throw new OpenAI.OpenAIError("OpenAI answered a streamed request without a body.");
  const parser = new SseParser();
  // A TextDecoder over the byte chunks (a character may straddle two) was twice as fast as TextDecoderStream in workerd.
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      const messages = done ? [...parser.push(decoder.decode()), ...parser.end()] : parser.push(decoder.decode(value, { stream: true }));
      for (const message of messages) {
        if (message.data === "[DONE]") return;
        yield parseMessage<T>(message, response.headers);
      }
      if (done) return;
    }
  } finally {
    // Stopped early ([DONE], an error, the consumer gave up): release the connection.
    await reader.cancel().catch(() => undefined);
  }
}

function parseMessage<T>(message: SseMessage, headers: Headers): T {
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    throw new SyntaxError("Error reading response: malformed server-sent event JSON.");
  }
  const body = data as { error?: unknown } | null;
  if (message.event === "error") throw new OpenAI.APIError(undefined, (body?.error ?? body) as object, undefined, headers);
  if (body && typeof body === "object" && body.error) throw new OpenAI.APIError(undefined, body.error as object, undefined, headers);
  return data as T;
}
