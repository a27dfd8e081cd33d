/**
 * ImageService against the real local Images binding (miniflare's, backed by sharp). Locally the
 * binding resizes, rotates and converts but ignores effects and cannot write GIF; the
 * capabilities test pins that down so a change in the local binding is noticed.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ToolError } from "../../src/errors";
import { bytesToStream, transformImage } from "../../src/imaging/binding-io";
import { ImageService } from "../../src/imaging/image-service";
import { readPngHeader, pngHasAlpha } from "../../src/imaging/png-header";
import { encodePng, gradientPng, solidPng } from "../support/png";

const images = new ImageService(env.IMAGES);

async function convert(bytes: Uint8Array, format: ImageOutputOptions["format"]): Promise<Uint8Array> {
  return (await transformImage(env.IMAGES, bytes, [], { format })).bytes;
}

/** What the binding itself reads from the bytes: independent of the service under test. */
async function decoded(bytes: Uint8Array) {
  return env.IMAGES.info(bytesToStream(bytes));
}

async function toolError(promise: Promise<unknown>): Promise<ToolError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ToolError);
  return error as ToolError;
}

const isWebp = (bytes: Uint8Array) =>
  new TextDecoder().decode(bytes.subarray(0, 4)) === "RIFF" && new TextDecoder().decode(bytes.subarray(8, 12)) === "WEBP";

describe("info", () => {
  let png: Uint8Array;
  beforeAll(async () => {
    png = await gradientPng(40, 30);
  });

  it("reads a PNG we encoded", async () => {
    expect(await images.info(png)).toEqual({ format: "image/png", width: 40, height: 30, bytes: png.length });
  });

  it.each(["image/jpeg", "image/webp", "image/avif"] as const)("reads %s made by the binding", async (format) => {
    const bytes = await convert(png, format);
    expect(await images.info(bytes)).toEqual({ format, width: 40, height: 30, bytes: bytes.length });
  });

  it("refuses bytes that are not an image, with a clear invalid_input error", async () => {
    const error = await toolError(images.info(new TextEncoder().encode("<html>not an image</html>")));
    expect(error.code).toBe("invalid_input");
    expect(error.message).toMatch(/not an image the Images binding can read/);
    expect(error.message).toMatch(/3c 68 74 6d/); // leading bytes shown
    expect(error.message).not.toMatch(/\n|at Sharp/); // no stack trace from the local shim
  });

  it("refuses empty bytes", async () => {
    expect((await toolError(images.info(new Uint8Array(0)))).message).toMatch(/empty/);
  });

  it("refuses a truncated PNG", async () => {
    await toolError(images.info(png.subarray(0, 30)));
  });
});

describe("renderPreview", () => {
  it("shrinks a 1024x1024 PNG to a 512x512 WebP", async () => {
    const source = await gradientPng(1024, 1024);
    const preview = await images.renderPreview(source);
    expect(preview).toMatchObject({ mime: "image/webp", width: 512, height: 512 });
    expect(isWebp(preview.bytes)).toBe(true);
    expect(await decoded(preview.bytes)).toMatchObject({ format: "image/webp", width: 512, height: 512 });
    expect(preview.bytes.length).toBeLessThan(source.length);
  });

  it("keeps the aspect ratio of a 2000x500 image: 512x128", async () => {
    const preview = await images.renderPreview(await gradientPng(2000, 500));
    expect(preview).toMatchObject({ mime: "image/webp", width: 512, height: 128 });
    expect(await decoded(preview.bytes)).toMatchObject({ format: "image/webp", width: 512, height: 128 });
  });

  it("keeps the aspect ratio of a tall image", async () => {
    const preview = await images.renderPreview(await gradientPng(300, 900));
    expect(await decoded(preview.bytes)).toMatchObject({ width: 171, height: 512 });
    expect(preview).toMatchObject({ width: 171, height: 512 });
  });

  it("never upscales, but still converts a small image to WebP", async () => {
    const preview = await images.renderPreview(await convert(await gradientPng(120, 80), "image/jpeg"));
    expect(preview).toMatchObject({ mime: "image/webp", width: 120, height: 80 });
    expect(await decoded(preview.bytes)).toMatchObject({ format: "image/webp", width: 120, height: 80 });
  });

  it("honours a smaller maxEdge", async () => {
    const preview = await images.renderPreview(await gradientPng(400, 200), { maxEdge: 100 });
    expect(await decoded(preview.bytes)).toMatchObject({ width: 100, height: 50 });
  });

  it("rejects a nonsensical maxEdge", async () => {
    await toolError(images.renderPreview(await gradientPng(10, 10), { maxEdge: 0 }));
  });

  it("gives a ToolError for bytes that are not an image", async () => {
    expect((await toolError(images.renderPreview(new Uint8Array([1, 2, 3, 4])))).code).toBe("invalid_input");
  });

  it("says when the binding has taken the whole input, before the render is done", async () => {
    const source = await gradientPng(1024, 1024);
    const events: string[] = [];
    const rendering = images
      .renderPreview(source, { known: { width: 1024, height: 1024 }, onInputTaken: () => events.push("input taken") })
      .then((preview) => events.push(`rendered ${preview.width}x${preview.height}`));
    await rendering;
    expect(events).toEqual(["input taken", "rendered 512x512"]);
  });
});

describe("bytesToStream", () => {
  it("hands over 256 KiB at a time as the reader asks, and says so after the last", async () => {
    const bytes = new Uint8Array(600 * 1024).map((_, i) => i % 251);
    let taken = 0;
    const reader = bytesToStream(bytes, () => taken++).getReader();
    const sizes: number[] = [];
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      expect(taken).toBe(0);
      sizes.push(chunk.value.byteLength);
    }
    expect(sizes).toEqual([262144, 262144, 90112]);
    expect(taken).toBe(1);
  });

  it("says so too when the reader gives up early", async () => {
    let taken = 0;
    const stream = bytesToStream(new Uint8Array(1024 * 1024), () => taken++);
    await stream.cancel("not needed");
    expect(taken).toBe(1);
  });
});

describe("fitWithin", () => {
  it("downscales a larger image into the box, keeping aspect, in the requested format", async () => {
    const fitted = await images.fitWithin(await gradientPng(2000, 500), 768, 768, "png");
    expect(fitted).toMatchObject({ mime: "image/png", width: 768, height: 192, resized: true });
    expect(await decoded(fitted.bytes)).toMatchObject({ format: "image/png", width: 768, height: 192 });
  });

  it("honours both limits", async () => {
    const fitted = await images.fitWithin(await gradientPng(1000, 1000), 2048, 400, "jpeg");
    expect(fitted).toMatchObject({ mime: "image/jpeg", width: 400, height: 400, resized: true });
    expect(await decoded(fitted.bytes)).toMatchObject({ format: "image/jpeg", width: 400, height: 400 });
  });

  it("returns an image that fits untouched, never upscaled", async () => {
    const source = await convert(await gradientPng(300, 200), "image/webp");
    const fitted = await images.fitWithin(source, 768, 768, "png");
    expect(fitted).toEqual({ bytes: source, mime: "image/webp", width: 300, height: 200, resized: false });
  });

  it("converts an image that fits but is not PNG, JPEG or WebP", async () => {
    const fitted = await images.fitWithin(await convert(await gradientPng(300, 200), "image/avif"), 768, 768, "jpeg");
    expect(fitted).toMatchObject({ mime: "image/jpeg", width: 300, height: 200, resized: false });
    expect(await decoded(fitted.bytes)).toMatchObject({ format: "image/jpeg", width: 300, height: 200 });
  });
});

describe("toPng", () => {
  it("converts a JPEG", async () => {
    const png = await images.toPng(await convert(await gradientPng(64, 48), "image/jpeg"));
    expect(readPngHeader(png)).toMatchObject({ width: 64, height: 48 });
  });

  it("returns a PNG as is", async () => {
    const source = await gradientPng(8, 8);
    expect(await images.toPng(source)).toBe(source);
  });
});

describe("prepareOverlay", () => {
  const size = { width: 400, height: 300 };

  it("accepts a PNG with alpha of the right size, unchanged", async () => {
    const mask = await solidPng(400, 300, [0, 0, 0, 0]);
    expect(await images.prepareOverlay(mask, size, "mask")).toBe(mask);
  });

  it("refuses a mask of another size, naming both sizes and the fix, without resizing it", async () => {
    const error = await toolError(images.prepareOverlay(await solidPng(200, 150, [0, 0, 0, 0]), size, "mask"));
    expect(error.code).toBe("invalid_input");
    expect(error.message).toContain("200x150");
    expect(error.message).toContain("400x300");
    expect(error.message).toMatch(/not resized/);
  });

  it("converts a WebP mask with alpha to an RGBA PNG", async () => {
    const webp = await convert(await encodePng({ ...size, alpha: true, rgba: (x) => [0, 0, 0, x < 200 ? 0 : 255] }), "image/webp");
    const png = await images.prepareOverlay(webp, size, "mask");
    const header = readPngHeader(png);
    expect(header).toMatchObject({ width: 400, height: 300 });
    expect(header && pngHasAlpha(header)).toBe(true);
    expect(await decoded(png)).toMatchObject({ format: "image/png", width: 400, height: 300 });
  });

  // Decision: a JPEG is converted to PNG like any other format, but a JPEG has no transparency,
  // so the result would be an opaque mask that edits nothing: it is refused with the fix.
  it("converts a JPEG mask, then refuses it because a JPEG cannot carry transparency", async () => {
    const jpeg = await convert(await solidPng(400, 300, [0, 0, 0, 255]), "image/jpeg");
    const error = await toolError(images.prepareOverlay(jpeg, size, "mask"));
    expect(error.code).toBe("invalid_input");
    expect(error.message).toMatch(/JPEG, which cannot carry transparency/);
    expect(error.message).toMatch(/PNG with an alpha channel/);
  });

  // Decision: an RGB PNG is refused, not converted: deriving alpha from its brightness would be
  // pixel work the Images binding cannot do.
  it("refuses a PNG without an alpha channel", async () => {
    const error = await toolError(images.prepareOverlay(await solidPng(400, 300, [255, 255, 255, 255], false), size, "mask"));
    expect(error.message).toMatch(/PNG without an alpha channel \(RGB\)/);
  });

  it("names the size mismatch before worrying about format", async () => {
    const jpeg = await convert(await solidPng(40, 30, [0, 0, 0, 255]), "image/jpeg");
    expect((await toolError(images.prepareOverlay(jpeg, size, "mask"))).message).toContain("40x30");
  });

  it("refuses a mask that is not an image", async () => {
    expect((await toolError(images.prepareOverlay(new TextEncoder().encode("mask"), size, "mask"))).code).toBe("invalid_input");
  });

  it("holds markup to the same rules, in markup's own words", async () => {
    const markup = await encodePng({ ...size, alpha: true, rgba: (x) => [255, 0, 0, x < 50 ? 255 : 0] });
    expect(await images.prepareOverlay(markup, size, "markup")).toBe(markup);
    const opaque = await toolError(images.prepareOverlay(await solidPng(400, 300, [255, 0, 0, 255], false), size, "markup"));
    expect(opaque.message).toMatch(/^the markup is a PNG without an alpha channel.*hide the image.*marks opaque/);
    const small = await toolError(images.prepareOverlay(await solidPng(40, 30, [0, 0, 0, 0]), size, "markup"));
    expect(small.message).toMatch(/^the markup is 40x30 .* 400x300.*move the marks/);
  });
});

describe("png-header", () => {
  it("reads colour type and size", async () => {
    expect(readPngHeader(await solidPng(7, 5, [1, 2, 3, 4]))).toEqual({
      width: 7,
      height: 5,
      bitDepth: 8,
      colorType: 6,
      hasTransparencyChunk: false,
    });
    expect(readPngHeader(await solidPng(7, 5, [1, 2, 3, 4], false))).toMatchObject({ colorType: 2 });
  });

  it("counts a tRNS chunk as alpha", async () => {
    const rgb = await solidPng(4, 4, [1, 2, 3, 255], false);
    const afterIhdr = 8 + 12 + 13;
    const trns = Uint8Array.of(0, 0, 0, 6, 0x74, 0x52, 0x4e, 0x53, 0, 1, 0, 2, 0, 3, 0, 0, 0, 0); // CRC unchecked
    const withTrns = new Uint8Array([...rgb.subarray(0, afterIhdr), ...trns, ...rgb.subarray(afterIhdr)]);
    const header = readPngHeader(withTrns);
    expect(header).toMatchObject({ colorType: 2, hasTransparencyChunk: true });
    expect(header && pngHasAlpha(header)).toBe(true);
  });

  it("returns undefined for non-PNG bytes", () => {
    expect(readPngHeader(new TextEncoder().encode("GIF89a......"))).toBeUndefined();
  });
});

describe("capabilities", () => {
  it("reports what the local binding really does: resize, rotate, convert; no effects, no GIF", async () => {
    const capabilities = await images.capabilities();
    expect(capabilities.probeError).toBeUndefined();
    expect(capabilities.resize).toBe(true);
    expect(capabilities.rotate).toBe(true);
    expect(capabilities.convert).toEqual(["png", "jpeg", "webp", "avif"]);
    expect(capabilities.unavailable).toEqual(
      expect.arrayContaining(["blur", "sharpen", "flip", "brightness", "contrast", "gamma", "trim", "draw", "gif output"]),
    );
    expect(capabilities.unavailable).not.toContain("resize");
    expect(capabilities.unavailable).not.toContain("rotate");
  });

  it("probes once per binding, shared across service instances", () => {
    expect(new ImageService(env.IMAGES).capabilities()).toBe(images.capabilities());
  });
});
