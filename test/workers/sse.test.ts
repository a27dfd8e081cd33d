import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { SseParser, sseJson, type SseMessage } from "../../src/openai/sse";

/** Feeds `text` to a parser in pieces cut at every given offset, then ends it. */
function parseInPieces(text: string, cuts: number[]): SseMessage[] {
  const parser = new SseParser();
  const out: SseMessage[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    out.push(...parser.push(text.slice(from, cut)));
    from = cut;
  }
  return [...out, ...parser.end()];
}

/** A response whose body arrives in the given chunks of UTF-8 bytes. */
function streamed(chunks: Uint8Array[], headers: Record<string, string> = {}): Response {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream", ...headers } });
}

async function all<T>(events: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe("SseParser", () => {
  const text = 'event: a\ndata: {"n":1}\n\n: a comment\r\nevent: b\r\ndata: line one\r\ndata: line two\r\n\r\ndata:no-space\r\r';
  const expected: SseMessage[] = [
    { event: "a", data: '{"n":1}' },
    { event: "b", data: "line one\nline two" },
    { event: null, data: "no-space" },
  ];

  it("reads LF, CRLF and CR line ends, comments, multi-line data and fields without a space", () => {
    expect(parseInPieces(text, [])).toEqual(expected);
  });

  it("gives the same messages however the text is cut, including between a CR and its LF", () => {
    for (let cut = 1; cut < text.length; cut++) expect(parseInPieces(text, [cut])).toEqual(expected);
    expect(
      parseInPieces(
        text,
        Array.from({ length: text.length - 1 }, (_, i) => i + 1),
      ),
    ).toEqual(expected);
  });

  it("keeps a multi-megabyte data line whole across many chunks", () => {
    const payload = "A".repeat(3_000_000);
    const big = `event: image\ndata: ${payload}\n\n`;
    const cuts = Array.from({ length: Math.floor(big.length / 65_536) }, (_, i) => (i + 1) * 65_536);
    const [message, ...rest] = parseInPieces(big, cuts);
    expect(rest).toEqual([]);
    expect(message?.event).toBe("image");
    expect(message?.data.length).toBe(payload.length);
  });

  it("dispatches an unterminated last event at the end of the stream, as the SDK does", () => {
    expect(parseInPieces('data: {"last":true}', [])).toEqual([{ event: null, data: '{"last":true}' }]);
  });
});

describe("sseJson", () => {
  const encode = (s: string) => new TextEncoder().encode(s);

  it("yields each message's JSON in order and stops at [DONE], with a character split across chunks", async () => {
    const bytes = encode('data: {"text":"é"}\n\ndata: [DONE]\n\ndata: {"after":1}\n\n');
    const split = bytes.indexOf(0xc3) + 1; // inside the two bytes of é
    const events = await all(sseJson<{ text?: string }>(streamed([bytes.slice(0, split), bytes.slice(split)])));
    expect(events).toEqual([{ text: "é" }]);
  });

  it("throws OpenAI's mid-stream `event: error` as an APIError without a status, like the SDK", async () => {
    const body = encode(
      'event: error\ndata: {"error":{"message":"The server had an error","type":"server_error","code":"server_error"}}\n\n',
    );
    const error = await all(sseJson(streamed([body], { "x-request-id": "req_1" }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBeUndefined();
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toBe("The server had an error");
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("server_error");
  });

  it("throws a SyntaxError for an event that is not JSON", async () => {
    const error = await all(sseJson(streamed([encode("data: {not json\n\n")]))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyntaxError);
    expect((error as Error).message).toBe("Error reading response: malformed server-sent event JSON.");
  });
});
