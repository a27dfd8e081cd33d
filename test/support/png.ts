/**
 * PNG fixtures for tests, made inside workerd. The encoder itself lives in the server
 * (`src/imaging/png-encoder.ts`), which needs it for its capability probe.
 */
import { encodePng, type Rgba } from "../../src/imaging/png-encoder";

export { encodePng, type PixelSource, type PngSpec, type Rgba } from "../../src/imaging/png-encoder";

/** A single-colour image. */
export function solidPng(width: number, height: number, color: Rgba, alpha = true): Promise<Uint8Array> {
  return encodePng({ width, height, alpha, rgba: () => color });
}

/**
 * A horizontal red ramp, vertical green ramp and fixed blue: every pixel differs from its
 * neighbours, so blurs, flips and resizes all change the output.
 */
export function gradientPng(width: number, height: number, alpha = true): Promise<Uint8Array> {
  const ramp = (value: number, size: number) => (size > 1 ? Math.round((value * 255) / (size - 1)) : 0);
  return encodePng({
    width,
    height,
    alpha,
    rgba: (x, y) => [ramp(x, width), ramp(y, height), 128, 255],
  });
}

/**
 * Seeded pseudo-random pixels: no PNG filter or deflate can shrink them much, so the file's
 * size is close to width × height × 4 bytes, whatever the encoder does.
 */
export function noisyPng(width: number, height: number, seed = 1): Promise<Uint8Array> {
  let state = seed >>> 0 || 1;
  const next = () => {
    // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) & 0xff;
  };
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < rgba.length; i += 4) {
    rgba[i] = next();
    rgba[i + 1] = next();
    rgba[i + 2] = next();
    rgba[i + 3] = 255;
  }
  return encodePng({ width, height, alpha: true, rgba });
}
