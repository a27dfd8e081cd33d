/**
 * image_info's container facts (alpha, animation frames) read from headers, on hand-built files
 * of the kinds the local binding cannot write (animated GIF, APNG, animated WebP).
 */
import { describe, expect, it } from "vitest";
import { imageFacts } from "../../src/imaging/image-facts";
import { solidPng } from "../support/png";

/** A GIF89a with `frames` 1x1 images, the last graphic control block setting transparency when asked. */
function gif(frames: number, transparent: boolean): Uint8Array {
  const bytes: number[] = [...new TextEncoder().encode("GIF89a"), 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255];
  bytes.push(0x21, 0xff, 11, ...new TextEncoder().encode("NETSCAPE2.0"), 3, 1, 0, 0, 0); // loop extension
  for (let i = 0; i < frames; i++) {
    bytes.push(0x21, 0xf9, 4, transparent ? 1 : 0, 10, 0, 0, 0); // graphic control
    bytes.push(0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0); // image descriptor
    bytes.push(2, 2, 0x4c, 0x01, 0); // LZW data
  }
  bytes.push(0x3b);
  return Uint8Array.from(bytes);
}

function chunk(type: string, data: number[]): number[] {
  const size = data.length;
  return [
    ...new TextEncoder().encode(type),
    size & 0xff,
    (size >> 8) & 0xff,
    (size >> 16) & 0xff,
    size >>> 24,
    ...data,
    ...(size % 2 ? [0] : []),
  ];
}

function riff(chunks: number[]): Uint8Array {
  const size = chunks.length + 4;
  return Uint8Array.from([
    ...new TextEncoder().encode("RIFF"),
    size & 0xff,
    (size >> 8) & 0xff,
    0,
    0,
    ...new TextEncoder().encode("WEBP"),
    ...chunks,
  ]);
}

describe("imageFacts", () => {
  it("counts GIF frames and sees transparency", () => {
    expect(imageFacts(gif(3, true), "image/gif")).toEqual({ alpha: true, frames: 3 });
    expect(imageFacts(gif(1, false), "image/gif")).toEqual({ alpha: false, frames: 1 });
  });

  it("reads an APNG's frame count from acTL", async () => {
    const png = await solidPng(2, 2, [1, 2, 3, 255]);
    const actl = [0, 0, 0, 8, ...new TextEncoder().encode("acTL"), 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0];
    const apng = Uint8Array.from([...png.subarray(0, 33), ...actl, ...png.subarray(33)]);
    expect(imageFacts(apng, "image/png")).toEqual({ alpha: true, frames: 5 });
    expect(imageFacts(png, "image/png")).toEqual({ alpha: true, frames: 1 });
  });

  it("reads WebP: lossy without alpha, VP8X animation frames and alpha flag", () => {
    expect(imageFacts(riff(chunk("VP8 ", [0, 0, 0, 0])), "image/webp")).toEqual({ alpha: false, frames: 1 });
    const vp8x = chunk("VP8X", [0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // alpha + animation flags
    const animated = riff([...vp8x, ...chunk("ANIM", [0, 0, 0, 0, 0, 0]), ...chunk("ANMF", [1, 2, 3]), ...chunk("ANMF", [4, 5, 6])]);
    expect(imageFacts(animated, "image/webp")).toEqual({ alpha: true, frames: 2 });
  });

  it("says nothing it cannot know for AVIF", () => {
    expect(imageFacts(new Uint8Array(32), "image/avif")).toEqual({});
  });
});
