import type { Tiktoken } from "js-tiktoken/lite";

let encoder: Promise<Tiktoken> | undefined;

/**
 * The o200k_base encoder, built on first use and kept for the isolate's life. The ranks
 * are megabytes of JavaScript and building the encoder takes most of a second, so it
 * never happens at start-up.
 */
export function o200kEncoder(): Promise<Tiktoken> {
  encoder ??= (async () => {
    const [{ Tiktoken }, ranks] = await Promise.all([import("js-tiktoken/lite"), import("js-tiktoken/ranks/o200k_base")]);
    return new Tiktoken(ranks.default);
  })();
  encoder.catch(() => (encoder = undefined));
  return encoder;
}

export async function countTokens(value: string): Promise<number> {
  return (await o200kEncoder()).encode(value).length;
}

/** Whether the encoder is already built in this isolate (reported so callers can tell a cold count from a warm one). */
export function encoderIsWarm(): boolean {
  return encoder !== undefined;
}
