/**
 * process_image and image_info against the real local Images binding. Each operation the
 * local binding applies is checked by its effect (dimensions, format, pixels decoded here);
 * each one it ignores is refused with "unavailable here, works when deployed", and nothing
 * is stored for a refused or failed call.
 */
import { env } from "cloudflare:workers";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { beforeAll, describe, expect, it } from "vitest";
import { bytesToStream } from "../../src/imaging/binding-io";
import { sha256Hex } from "../../src/store/hash";
import { testServices } from "../support/assets";
import { call, connect, structured, textOf, worker } from "../support/mcp";
import { decodePng } from "../support/png-decode";
import { encodePng, solidPng, type Rgba } from "../support/png";

type View = {
  id: string;
  mimeType: string;
  width: number;
  height: number;
  bytes: number;
  downloadUrl: string;
  cell?: { row: number; column: number };
};
type ProcessOut = {
  input: { id: string; format: string; width: number; height: number; bytes: number };
  outputs: View[];
  operations: string[];
  cached: boolean;
};

/** A distinct colour per pixel, so any cut, turn or shift shows. */
const pixelAt = (x: number, y: number): Rgba => [(x * 5) & 0xff, (y * 7) & 0xff, ((x + y) * 3) & 0xff, 255];
const dataUrl = (bytes: Uint8Array, mime = "image/png") => `data:${mime};base64,${btoa(String.fromCharCode(...bytes))}`;

let client: Client;
let source: Uint8Array; // 40x30

beforeAll(async () => {
  client = await connect();
  source = await encodePng({ width: 40, height: 30, alpha: true, rgba: pixelAt });
});

async function processOk(args: Record<string, unknown>): Promise<ProcessOut> {
  return structured<ProcessOut>(await call(client, "process_image", args));
}

async function download(view: View): Promise<Uint8Array> {
  const response = await worker(view.downloadUrl);
  expect(response.status).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
}

async function pixelsOf(view: View) {
  const png = await decodePng(await download(view));
  const at = (x: number, y: number) =>
    Array.from(png.pixels.subarray((y * png.width + x) * png.channels, (y * png.width + x + 1) * png.channels));
  return { ...png, at };
}

async function assetCount(): Promise<number> {
  let n = 0;
  for await (const _ of testServices().index.all()) n++;
  return n;
}

function errorText(result: CallToolResult): string {
  expect(result.isError).toBe(true);
  return textOf(result);
}

describe("process_image: operations the local binding applies", () => {
  it.each([
    ["scale-down", 20, 15],
    ["contain", 20, 15],
    ["cover", 20, 20],
    ["crop", 20, 20],
    ["pad", 20, 20],
    ["squeeze", 20, 20],
  ] as const)("resize with fit %s into 20x20 gives %ix%i", async (fit, width, height) => {
    const out = await processOk({ image: dataUrl(source), operations: [{ op: "resize", width: 20, height: 20, fit }] });
    expect(out.outputs).toHaveLength(1);
    expect(out.outputs[0]).toMatchObject({ mimeType: "image/png", width, height });
    const info = await env.IMAGES.info(bytesToStream(await download(out.outputs[0]!)));
    expect(info).toMatchObject({ format: "image/png", width, height });
  });

  it("pads with the background colour", async () => {
    const out = await processOk({
      image: dataUrl(source),
      operations: [{ op: "resize", width: 40, height: 40, fit: "pad", background: "#ff0000" }],
    });
    const pixels = await pixelsOf(out.outputs[0]!);
    expect([pixels.width, pixels.height]).toEqual([40, 40]);
    expect(pixels.at(0, 0)).toEqual([255, 0, 0, 255]); // band above the 40x30 picture
    expect(pixels.at(20, 39)).toEqual([255, 0, 0, 255]); // band below
  });

  it("crops a box exactly, pixel for pixel", async () => {
    const out = await processOk({ image: dataUrl(source), operations: [{ op: "crop", left: 7, top: 5, width: 12, height: 9 }] });
    const pixels = await pixelsOf(out.outputs[0]!);
    expect([pixels.width, pixels.height]).toEqual([12, 9]);
    for (const [x, y] of [
      [0, 0],
      [11, 0],
      [0, 8],
      [11, 8],
      [5, 4],
    ] as const) {
      expect(pixels.at(x, y)).toEqual([...pixelAt(x + 7, y + 5)]);
    }
  });

  it("trims pixels from each edge", async () => {
    const out = await processOk({ image: dataUrl(source), operations: [{ op: "trim", top: 1, right: 2, bottom: 3, left: 4 }] });
    const pixels = await pixelsOf(out.outputs[0]!);
    expect([pixels.width, pixels.height]).toEqual([34, 26]);
    expect(pixels.at(0, 0)).toEqual([...pixelAt(4, 1)]);
    expect(pixels.at(33, 25)).toEqual([...pixelAt(37, 26)]);
  });

  it.each([
    [90, 30, 40],
    [180, 40, 30],
    [270, 30, 40],
  ] as const)("rotates %i degrees clockwise", async (degrees, width, height) => {
    const out = await processOk({ image: dataUrl(source), operations: [{ op: "rotate", degrees }] });
    const pixels = await pixelsOf(out.outputs[0]!);
    expect([pixels.width, pixels.height]).toEqual([width, height]);
    // Where the source's top-left pixel lands.
    const corner = { 90: [width - 1, 0], 180: [width - 1, height - 1], 270: [0, height - 1] }[degrees] as [number, number];
    expect(pixels.at(...corner)).toEqual([...pixelAt(0, 0)]);
  });

  it("pads to a power-of-two canvas without scaling, centred on transparency", async () => {
    const out = await processOk({ image: dataUrl(source), operations: [{ op: "pad_to_power_of_two" }] });
    const pixels = await pixelsOf(out.outputs[0]!);
    expect([pixels.width, pixels.height]).toEqual([64, 32]);
    expect(pixels.at(0, 0)).toEqual([0, 0, 0, 0]);
    expect(pixels.at(12, 1)).toEqual([...pixelAt(0, 0)]); // (64-40)/2, (32-30)/2
    expect(pixels.at(51, 30)).toEqual([...pixelAt(39, 29)]);
  });

  it("pads to a power of two at the top left with a colour", async () => {
    const out = await processOk({
      image: dataUrl(source),
      operations: [{ op: "pad_to_power_of_two", align: "top-left", background: "#0000ff" }],
    });
    const pixels = await pixelsOf(out.outputs[0]!);
    expect(pixels.at(0, 0)).toEqual([...pixelAt(0, 0)]);
    expect(pixels.at(63, 31)).toEqual([0, 0, 255, 255]);
  });

  it.each(["jpeg", "webp", "avif"] as const)("writes %s", async (format) => {
    const out = await processOk({ image: dataUrl(source), operations: [{ op: "rotate", degrees: 180 }], format });
    expect(out.outputs[0]).toMatchObject({ mimeType: `image/${format}`, width: 40, height: 30 });
    expect(await env.IMAGES.info(bytesToStream(await download(out.outputs[0]!)))).toMatchObject({ format: `image/${format}` });
  });

  it("slices a sprite sheet into one asset per cell, in reading order, with lineage", async () => {
    const colours: Rgba[] = [
      [255, 0, 0, 255],
      [0, 255, 0, 255],
      [0, 0, 255, 255],
      [255, 255, 0, 255],
    ];
    const sheet = await encodePng({ width: 32, height: 16, alpha: true, rgba: (x, y) => colours[(y >= 8 ? 2 : 0) + (x >= 16 ? 1 : 0)]! });
    const out = await processOk({ image: dataUrl(sheet), operations: [{ op: "slice", columns: 2, rows: 2 }] });
    expect(out.outputs.map((o) => o.cell)).toEqual([
      { row: 0, column: 0 },
      { row: 0, column: 1 },
      { row: 1, column: 0 },
      { row: 1, column: 1 },
    ]);
    for (const [i, view] of out.outputs.entries()) {
      expect(view).toMatchObject({ width: 16, height: 8 });
      const pixels = await pixelsOf(view);
      expect(pixels.at(0, 0)).toEqual([...colours[i]!]);
      expect(pixels.at(15, 7)).toEqual([...colours[i]!]);
    }
    const record = await testServices().library.get(out.outputs[3]!.id);
    expect(record?.origin).toMatchObject({
      tool: "process_image",
      parents: [await sha256Hex(sheet)],
      parameters: { operations: [{ op: "slice", columns: 2, rows: 2 }], format: "png", cell: { row: 1, column: 1 } },
    });
    expect(await testServices().library.get(await sha256Hex(sheet))).toMatchObject({ origin: { tool: "input" } });
  });

  it("chains operations in order", async () => {
    const out = await processOk({
      image: dataUrl(source),
      operations: [
        { op: "crop", left: 0, top: 0, width: 30, height: 30 },
        { op: "resize", width: 15, fit: "scale-down" },
        { op: "rotate", degrees: 90 },
        { op: "pad_to_power_of_two", align: "top-left" },
        { op: "slice", columns: 2, rows: 2 },
      ],
      format: "webp",
    });
    expect(out.input).toMatchObject({ width: 40, height: 30, format: "image/png" });
    expect(out.operations).toEqual([
      "crop 30x30 at 0,0",
      "resize 15xauto scale-down",
      "rotate 90",
      "pad to power of two (top-left)",
      "slice 2x2",
    ]);
    expect(out.outputs).toHaveLength(4);
    for (const view of out.outputs) expect(view).toMatchObject({ mimeType: "image/webp", width: 8, height: 8 });
  });

  it("answers an identical request from the cache, and again on fresh: true", async () => {
    const args = { image: dataUrl(source), operations: [{ op: "resize", width: 10, fit: "scale-down" }], format: "webp" };
    const first = await processOk(args);
    const second = await processOk(args);
    expect(second.cached).toBe(true);
    expect(second.outputs.map((o) => o.id)).toEqual(first.outputs.map((o) => o.id));
    const fresh = await processOk({ ...args, fresh: true });
    expect(fresh.cached).toBe(false);
    expect(fresh.outputs.map((o) => o.id)).toEqual(first.outputs.map((o) => o.id)); // same bytes, stored once
  });

  it("takes a stored asset id and returns a preview, links and a summary", async () => {
    const stored = await processOk({ image: dataUrl(source), operations: [{ op: "rotate", degrees: 90 }] });
    const result = await call(client, "process_image", { image: stored.outputs[0]!.id, operations: [{ op: "rotate", degrees: 270 }] });
    const out = structured<ProcessOut>(result);
    expect(out.input).toMatchObject({ id: stored.outputs[0]!.id, width: 30, height: 40 });
    expect(out.outputs[0]!.id).toBe(await sha256Hex(await download(out.outputs[0]!)));
    expect(result.content.map((b) => b.type)).toEqual(["text", "text", "image", "resource_link"]);
    expect(textOf(result)).toContain(`Processed a 30x40 image (rotate 270) into one image/png 40x30`);
  });
});

describe("process_image: refusals", () => {
  it.each([
    [{ op: "blur", radius: 3 }, "blur", "blur"],
    [{ op: "sharpen", amount: 2 }, "sharpen", "sharpen"],
    [{ op: "flip", direction: "horizontal" }, "flip", "flip"],
    [{ op: "brightness", value: 1.5 }, "brightness", "brightness"],
    [{ op: "contrast", value: 1.5 }, "contrast", "contrast"],
    [{ op: "gamma", value: 2 }, "gamma", "gamma"],
    [{ op: "overlay", image: "0".repeat(64) }, "overlay", "draw"],
  ])("refuses %j where the binding ignores it, storing nothing", async (operation, name, capability) => {
    const before = await assetCount();
    const result = await call(client, "process_image", { image: dataUrl(source), operations: [{ op: "rotate", degrees: 90 }, operation] });
    expect(errorText(result)).toBe(
      `operations[1] (${name}): unavailable here, works when deployed — the Images binding where this server runs does not apply ${capability} (measured, see server_status). Remove this operation, or run it on the deployed server.`,
    );
    expect(await assetCount()).toBe(before);
  });

  it("refuses quality, which the local binding ignores", async () => {
    const result = await call(client, "process_image", {
      image: dataUrl(source),
      operations: [{ op: "rotate", degrees: 90 }],
      format: "jpeg",
      quality: 40,
    });
    expect(errorText(result)).toBe(
      "quality: unavailable here, works when deployed — the Images binding where this server runs ignores the output quality (measured, see server_status). Leave quality out.",
    );
  });

  it("server_status lists what process_image cannot do here", async () => {
    const status = structured<{ capabilities: { imageProcessing: { processImageUnavailable: string[] } } }>(
      await call(client, "server_status"),
    );
    expect(status.capabilities.imageProcessing.processImageUnavailable).toEqual([
      "flip",
      "blur",
      "sharpen",
      "brightness",
      "contrast",
      "gamma",
      "overlay",
      "quality",
    ]);
  });

  it.each([
    [{ operations: [] }, "operations: give at least one operation"],
    [
      { operations: Array.from({ length: 21 }, () => ({ op: "rotate", degrees: 90 })) },
      "operations: at most 20 operations per call: split the work into several calls",
    ],
    [
      { operations: [{ op: "posterize" }] },
      "operations[0].op: Invalid discriminator value. Expected 'resize' | 'crop' | 'trim' | 'rotate' | 'flip' | 'blur' | 'sharpen' | 'brightness' | 'contrast' | 'gamma' | 'overlay' | 'pad_to_power_of_two' | 'slice'",
    ],
    [
      {
        operations: [
          { op: "slice", columns: 2, rows: 1 },
          { op: "rotate", degrees: 90 },
        ],
      },
      "operations: slice must be the last operation (its cells are the outputs)",
    ],
    [{ operations: [{ op: "rotate", degrees: 45 }] }, "operations[0].degrees: Invalid input"],
    [{ operations: [{ op: "resize", width: 0 }] }, "operations[0].width: must be at least 1"],
    [{ operations: [{ op: "resize", width: 12_001 }] }, "operations[0].width: must be at most 12000 pixels (the Images binding's limit)"],
    [{ operations: [{ op: "resize", fit: "cover" }] }, "operations[0].width: give width, height or both"],
    [
      { operations: [{ op: "resize", width: 5, fit: "pad", background: "red" }] },
      'operations[0].background: must be a colour written #rrggbb or #rrggbbaa (e.g. "#ffffff" or "#00000000" for transparent)',
    ],
    [{ operations: [{ op: "trim" }] }, "operations[0].top: cut at least one pixel from some edge"],
    [{ operations: [{ op: "rotate", degrees: 90 }], format: "gif" }, 'format: must be one of "png", "jpeg", "webp", "avif"'],
    [{ operations: [{ op: "rotate", degrees: 90 }], quality: 0 }, "quality: must be at least 1"],
  ])("refuses bad arguments %j", async (args, message) => {
    const result = await call(client, "process_image", { image: dataUrl(source), ...args });
    expect(errorText(result)).toBe(`Invalid arguments for process_image: ${message}. Fix it and call again.`);
  });

  it.each([
    [
      [{ op: "crop", left: 30, top: 0, width: 20, height: 10 }],
      "operations[0] (crop): the box 20x10 at (30, 0) reaches past the 40x30 image: keep left + width ≤ 40 and top + height ≤ 30.",
    ],
    [
      [{ op: "trim", left: 20, right: 20 }],
      "operations[0] (trim): trimming 20+20 px across and 0+0 px down leaves nothing of a 40x30 image: cut less.",
    ],
    [
      [{ op: "slice", columns: 3, rows: 1 }],
      "operations[0] (slice): a 40x30 image does not divide into 3 columns and 1 rows of whole pixels: crop or resize it to a multiple first (e.g. 39x30).",
    ],
    [
      [{ op: "slice", columns: 10, rows: 10 }],
      "operations[0] (slice): 10 x 10 = 100 cells, over the limit of 64 slices per call: slice fewer cells, or a part of the sheet at a time (crop first).",
    ],
    [
      [{ op: "resize", width: 5000, height: 5000, fit: "squeeze" }, { op: "pad_to_power_of_two" }],
      "operations[1] (pad_to_power_of_two): the canvas would be 8192x8192, over the 2048 px limit per side for padding: resize the image to at most 2048 px first.",
    ],
    [
      [{ op: "resize", width: 2049, height: 16, fit: "squeeze" }, { op: "pad_to_power_of_two" }],
      "operations[1] (pad_to_power_of_two): the canvas would be 4096x16, over the 2048 px limit per side for padding: resize the image to at most 2048 px first.",
    ],
  ])("refuses operations that do not fit the image: %j", async (operations, message) => {
    const before = await assetCount();
    const result = await call(client, "process_image", { image: dataUrl(source), operations });
    expect(errorText(result)).toBe(message);
    expect(await assetCount()).toBe(before);
  });

  it("refuses an input wider than the binding processes, naming the limit", async () => {
    const wide = await encodePng({ width: 12_001, height: 1, alpha: false, rgba: () => [1, 2, 3, 255] });
    const result = await call(client, "process_image", { image: dataUrl(wide), operations: [{ op: "rotate", degrees: 90 }] });
    expect(errorText(result)).toBe(
      "image: the image is 12001x1, over the 12000 px limit per side the Images binding processes: downscale it first.",
    );
  });

  it("pins what the probe measures on the local binding: every fit and exact crops, no quality", async () => {
    const capabilities = await testServices().images.capabilities();
    expect(capabilities).toMatchObject({ fits: ["scale-down", "contain", "cover", "crop", "pad", "squeeze"], crop: true, quality: false });
    expect(capabilities.unavailable).toContain("quality");
    expect(capabilities.unavailable).not.toContain("crop");
  });

  it("refuses bytes that are not an image, a truncated image and a missing asset, naming the field", async () => {
    const garbage = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8);
    const rotate = [{ op: "rotate", degrees: 90 }];
    const before = await assetCount();
    expect(errorText(await call(client, "process_image", { image: btoa(String.fromCharCode(...garbage)), operations: rotate }))).toBe(
      "image: the 16 bytes given are not an image the Images binding can read (leading bytes 89 50 4e 47 0d 0a 1a 0a; binding says: Input buffer has corrupt header:). Pass a PNG, JPEG, WebP, GIF or AVIF file.",
    );
    expect(errorText(await call(client, "process_image", { image: dataUrl(source.slice(0, 60)), operations: rotate }))).toBe(
      "operations[0] (rotate): the Images binding could not process the image (vipspng: libpng read error); a truncated or corrupt input file causes this: export it again and retry.",
    );
    expect(await assetCount()).toBe(before);
    expect(errorText(await call(client, "process_image", { image: "f".repeat(64), operations: rotate }))).toBe(
      `image: no asset ${"f".repeat(64)} is stored here. Use list_assets to find ids.`,
    );
  });
});

describe("image_info", () => {
  it("describes a PNG with alpha that is not stored, and writes nothing", async () => {
    const png = await solidPng(12, 7, [1, 2, 3, 128]);
    const before = await assetCount();
    const info = structured(await call(client, "image_info", { image: dataUrl(png) }));
    expect(info).toEqual({
      format: "image/png",
      width: 12,
      height: 7,
      bytes: png.length,
      alpha: true,
      frames: 1,
      sha256: await sha256Hex(png),
      stored: false,
    });
    expect(await assetCount()).toBe(before);
  });

  it("says a stored image is stored, with its id; a JPEG has no alpha", async () => {
    const out = await processOk({ image: dataUrl(source), operations: [{ op: "rotate", degrees: 180 }], format: "jpeg" });
    const id = out.outputs[0]!.id;
    const info = structured(await call(client, "image_info", { image: id }));
    expect(info).toEqual({
      format: "image/jpeg",
      width: 40,
      height: 30,
      bytes: out.outputs[0]!.bytes,
      alpha: false,
      frames: 1,
      sha256: id,
      stored: true,
      assetId: id,
    });
  });

  it("reads an RGB PNG as without alpha; AVIF leaves alpha and frames out", async () => {
    const rgb = await solidPng(4, 4, [9, 9, 9, 255], false);
    expect(structured(await call(client, "image_info", { image: dataUrl(rgb) }))).toMatchObject({ alpha: false, frames: 1 });
    const avif = await processOk({ image: dataUrl(source), operations: [{ op: "rotate", degrees: 90 }], format: "avif" });
    const info = structured(await call(client, "image_info", { image: avif.outputs[0]!.id }));
    expect(info).toEqual({
      format: "image/avif",
      width: 30,
      height: 40,
      bytes: avif.outputs[0]!.bytes,
      sha256: avif.outputs[0]!.id,
      stored: true,
      assetId: avif.outputs[0]!.id,
    });
  });

  it("refuses bytes that are not an image", async () => {
    const result = await call(client, "image_info", { image: dataUrl(new TextEncoder().encode("hello world, no image")) });
    expect(errorText(result)).toBe(
      "image: The inline data decodes to 21 bytes that are not a PNG, JPEG, WebP, GIF, AVIF, HEIC or BMP image (checked by its leading bytes): encode the image file itself (not a path, a page or a thumbnail URL) as base64.",
    );
  });
});
