/**
 * The PNG encoder's row filters, checked by a round trip through an independent decoder
 * (test/support/png-decode.ts) and by the Images binding reading what it wrote.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { bytesToStream } from "../../src/imaging/binding-io";
import { encodePng } from "../../src/imaging/png-encoder";
import { decodePng } from "../support/png-decode";

/** Flat bands, a horizontal ramp, a vertical ramp and a 2D gradient: each favours another filter. */
function testPicture(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const band = Math.floor(y / (height / 4));
      const value =
        band === 0 ? (x < width / 2 ? 40 : 200) : band === 1 ? (x * 7) & 0xff : band === 2 ? (y * 13) & 0xff : (x * 3 + y * 5) & 0xff;
      rgba[o] = value;
      rgba[o + 1] = (value * 3 + x) & 0xff;
      rgba[o + 2] = 255 - value;
      rgba[o + 3] = (x + y) & 0xff;
    }
  }
  return rgba;
}

describe("encodePng", () => {
  it.each([true, false])("round-trips every pixel exactly with alpha %s", async (alpha) => {
    const width = 67;
    const height = 40;
    const rgba = testPicture(width, height);
    const decoded = await decodePng(await encodePng({ width, height, rgba, alpha }));
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([width, height, alpha ? 4 : 3]);
    const expected = alpha ? rgba : rgba.filter((_, i) => i % 4 !== 3);
    expect(decoded.pixels).toEqual(expected);
    // The picture exercises more than one filter, so the round trip covers them.
    expect(new Set(decoded.filters).size).toBeGreaterThanOrEqual(3);
  });

  it("writes the same bytes from a pixel function as from an RGBA buffer", async () => {
    const width = 30;
    const height = 20;
    const rgba = testPicture(width, height);
    const fromBytes = await encodePng({ width, height, rgba, alpha: true });
    const fromFunction = await encodePng({
      width,
      height,
      alpha: true,
      rgba: (x, y) => {
        const o = (y * width + x) * 4;
        return [rgba[o]!, rgba[o + 1]!, rgba[o + 2]!, rgba[o + 3]!];
      },
    });
    expect(fromFunction).toEqual(fromBytes);
  });

  it("filters a flat picture to rows of zeros that deflate to almost nothing", async () => {
    const png = await encodePng({ width: 512, height: 512, alpha: false, rgba: () => [236, 238, 241, 255] });
    expect(png.length).toBeLessThan((512 * 512 * 3) / 300);
    expect((await decodePng(png)).filters.slice(1).every((filter) => filter === 2)).toBe(true); // Up: all zeros
  });

  it("is read by the Images binding", async () => {
    const png = await encodePng({ width: 67, height: 40, rgba: testPicture(67, 40), alpha: true });
    const info = await env.IMAGES.info(bytesToStream(png));
    expect(info).toMatchObject({ format: "image/png", width: 67, height: 40 });
  });

  it("refuses a buffer of the wrong length, naming both lengths", async () => {
    await expect(encodePng({ width: 4, height: 4, rgba: new Uint8Array(10), alpha: true })).rejects.toThrow(
      "encodePng: expected 64 RGBA bytes, got 10",
    );
  });

  it("refuses a size that is not a positive whole number", async () => {
    await expect(encodePng({ width: 0, height: 4, rgba: new Uint8Array(0), alpha: true })).rejects.toThrow("encodePng: bad size 0x4");
  });
});
