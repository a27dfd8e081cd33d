// A realistic upstream image for the bench: a 1024×1024 RGB PNG with photographic noise, about
// 2.7 MB like a real gpt-image PNG (the fake's own flat images compress to ~20 KB and hide what
// decoding, hashing, storing and previewing a real one costs). While enabled, the fake's
// generated images are swapped for it on the wire, each with a unique text chunk so every
// cache miss stores new bytes, as real generations do.
import type { IncomingMessage, ServerResponse } from "node:http";
import { crc32 } from "node:zlib";
import sharp from "sharp";
import type { RunningFakeOpenAI } from "../../test/fake-openai/server.ts";

export const NOISY_SIZE = 1024;
const CLEAN_ROWS = 160;

/** Smooth colour fields plus per-pixel noise (a fixed-seed generator, so every run uses the same picture). */
export async function noisyPng(): Promise<Buffer> {
  const raw = Buffer.alloc(NOISY_SIZE * NOISY_SIZE * 3);
  let state = 0x2545f491;
  const noise = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) % 25) - 12;
  };
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  for (let y = 0; y < NOISY_SIZE; y++) {
    // A clean band at the top, like a sky: the rest is grainy. Sized so the file is ~2.7 MB.
    const grain = y >= CLEAN_ROWS;
    for (let x = 0; x < NOISY_SIZE; x++) {
      const i = (y * NOISY_SIZE + x) * 3;
      raw[i] = clamp(128 + 90 * Math.sin(x / 97) * Math.cos(y / 131) + (grain ? noise() : 0));
      raw[i + 1] = clamp(110 + 80 * Math.sin((x + y) / 150) + (grain ? noise() : 0));
      raw[i + 2] = clamp(90 + 70 * Math.cos(Math.hypot(x - 600, y - 400) / 60) + (grain ? noise() : 0));
    }
  }
  return sharp(raw, { raw: { width: NOISY_SIZE, height: NOISY_SIZE, channels: 3 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/** The same PNG with a tEXt chunk after IHDR: different bytes and hash, identical pixels. */
export function withTextChunk(png: Buffer, text: string): Buffer {
  const ihdrEnd = 8 + 8 + 13 + 4;
  const data = Buffer.from(`Comment\0${text}`, "latin1");
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write("tEXt", 4, "latin1");
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

export interface NoisyImages {
  enabled: boolean;
  /** Images swapped so far. */
  served: number;
}

/**
 * Swaps the base64 image in every generation event the fake sends (partial and final) for the
 * noisy PNG while `enabled`. The fake writes each SSE event as one string, so the swap is a
 * replace on that string; the fake's own timing wrapper still sees the whole answer.
 */
export function swapInNoisyImages(fake: RunningFakeOpenAI, png: Buffer): NoisyImages {
  const state: NoisyImages = { enabled: false, served: 0 };
  const handle = fake.fake.handle.bind(fake.fake);
  fake.fake.handle = (req: IncomingMessage, res: ServerResponse) => {
    if (state.enabled && req.url?.startsWith("/v1/images/generations")) {
      const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
      res.write = ((chunk: unknown, ...rest: unknown[]) => {
        if (typeof chunk === "string" && chunk.includes('"b64_json":"')) {
          state.served += 1;
          const b64 = withTextChunk(png, `bench image ${state.served} ${Date.now()}`).toString("base64");
          chunk = chunk.replace(/"b64_json":"[A-Za-z0-9+/=]*"/, `"b64_json":"${b64}"`);
        }
        return write(chunk, ...rest);
      }) as typeof res.write;
    }
    handle(req, res);
  };
  return state;
}
