import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { bytesToStream, transformImage } from "../../src/imaging/binding-io";
import { readWebpSize } from "../../src/imaging/webp-header";
import { gradientPng } from "../support/png";

/** A RIFF/WEBP file whose first chunk is `fourcc` with `payload` (enough bytes for the header reader). */
function webpWith(fourcc: string, payload: number[]): Uint8Array {
  const bytes = new Uint8Array(32);
  bytes.set(new TextEncoder().encode("RIFF"), 0);
  bytes.set(new TextEncoder().encode("WEBP"), 8);
  bytes.set(new TextEncoder().encode(fourcc), 12);
  bytes.set(payload, 20);
  return bytes;
}

describe("readWebpSize", () => {
  it("reads a lossy WebP from the binding as the binding itself does, odd sizes included", async () => {
    for (const [w, h] of [
      [512, 512],
      [171, 512],
      [333, 77],
    ] as const) {
      const webp = (await transformImage(env.IMAGES, await gradientPng(w, h), [], { format: "image/webp", quality: 80 })).bytes;
      const info = await env.IMAGES.info(bytesToStream(webp));
      expect(readWebpSize(webp)).toEqual({ width: w, height: h });
      expect(info).toMatchObject({ width: w, height: h });
    }
  });

  it("reads a lossless (VP8L) header: 14-bit width and height minus one", () => {
    // width 300 → 299 = 0x12b, height 200 → 199 = 0xc7: bits = 299 | 199 << 14
    const bits = 299 | (199 << 14);
    expect(readWebpSize(webpWith("VP8L", [0x2f, bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, (bits >>> 24) & 0xff]))).toEqual({
      width: 300,
      height: 200,
    });
  });

  it("reads an extended (VP8X) header: 24-bit canvas width and height minus one", () => {
    // 5000 − 1 = 0x001387, 70000 − 1 = 0x01116f
    expect(readWebpSize(webpWith("VP8X", [0x10, 0, 0, 0, 0x87, 0x13, 0x00, 0x6f, 0x11, 0x01]))).toEqual({ width: 5000, height: 70000 });
  });

  it("gives undefined for anything else, so the caller asks the binding", async () => {
    expect(readWebpSize(await gradientPng(10, 10))).toBeUndefined();
    expect(readWebpSize(new Uint8Array(10))).toBeUndefined();
    expect(readWebpSize(webpWith("VP8 ", [0, 0, 0, 0x12, 0x34, 0x56]))).toBeUndefined(); // no key-frame start code
    expect(readWebpSize(webpWith("ALPH", []))).toBeUndefined();
  });
});
