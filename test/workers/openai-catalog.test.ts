import { describe, expect, it } from "vitest";
import { ToolError } from "../../src/errors";
import {
  DEFAULT_IMAGE_MODEL,
  DEFAULT_VISION_MODEL,
  IMAGE_MODELS,
  VISION_MODELS,
  currentImageModelIds,
  currentVisionModelIds,
  imageModel,
  requireImageModel,
  requireVisionModel,
  shutdownNotice,
  visionModel,
} from "../../src/openai/catalog";
import { imageCostUsd, textCostUsd } from "../../src/openai/cost";
import {
  checkPromptLength,
  expectedDimensions,
  imageParamNotices,
  imageRequestFields,
  normalizeImageParams,
  parseSize,
  type ImageOperation,
  type ImageParamsInput,
} from "../../src/openai/image-params";
import { estimateImageTokens, imageTokenEstimate, targetDimensions } from "../../src/openai/image-tokens";
import { outputBudget, REASONING_RESERVE, reasoningEffortFor } from "../../src/openai/reasoning";
import { fitsStrictSubset, strictSchemaProblems } from "../../src/openai/strict-schema";
import { VERDICT_SCHEMA } from "../../src/jobs/image-check";
import { REVIEW_FINDINGS_SCHEMA } from "../../src/prompts/workflows.prompts";

const NOW = new Date("2026-11-24T12:00:00Z");
const AFTER_DECEMBER_SHUTDOWNS = new Date("2026-12-12T00:00:00Z");

const generate = (input: ImageParamsInput, now = NOW) => normalizeImageParams(input, { operation: "generate", now });
const edit = (input: ImageParamsInput, now = NOW) => normalizeImageParams(input, { operation: "edit", now });

/** The ToolError message thrown by `run`, failing the test when nothing or something else is thrown. */
function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ToolError);
    return (error as ToolError).message;
  }
  throw new Error("expected a ToolError");
}

describe("catalog", () => {
  it("has current defaults that do what they are defaults for", () => {
    expect(DEFAULT_IMAGE_MODEL).toBe("gpt-image-2");
    expect(requireImageModel(DEFAULT_IMAGE_MODEL, NOW).edits).toEqual({ supported: true, maxInputImages: 16, markup: false });
    expect(requireImageModel("gpt-image-2.5-flare", NOW).edits.markup).toBe(true);
    const vision = requireVisionModel(DEFAULT_VISION_MODEL, NOW);
    expect(vision.id).toBe("gpt-6.1-terra");
    expect(vision.acceptsImages && vision.structuredOutputs).toBe(true);
  });

  it("gives every price sheet a source and a date, and labels estimates", () => {
    const sheets = [...IMAGE_MODELS.flatMap((m) => (m.prices ? [m.prices] : [])), ...VISION_MODELS.map((m) => m.prices)];
    for (const sheet of sheets) {
      expect(sheet.checkedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      if (!sheet.confirmed) expect(sheet.source).toMatch(/^estimate, not confirmed by OpenAI/);
    }
    const sunburst = imageModel("gpt-image-2.6-sunburst")?.prices;
    expect(sunburst).toMatchObject({
      textInput: 5,
      cachedTextInput: 1.25,
      imageInput: 8,
      cachedImageInput: 2,
      imageOutput: 30,
      confirmed: true,
    });
  });

  it("keeps input_fidelity to the 1.x models and custom sizes to 2 and 2.5", () => {
    const withFidelity = IMAGE_MODELS.filter((m) => m.inputFidelity).map((m) => m.id);
    expect(withFidelity.every((id) => !id.startsWith("gpt-image-2"))).toBe(true);
    const withCustom = IMAGE_MODELS.filter((m) => m.sizes.custom).map((m) => m.id);
    expect(withCustom).toEqual(["gpt-image-2", "gpt-image-2.5-flare", "gpt-image-2.5-sunburst"]);
    expect(imageModel("gpt-image-2.5-flare")?.qualities).toContain("max");
    expect(imageModel("gpt-image-2.6-flare")?.qualities).not.toContain("xhigh");
  });

  it("resolves dated snapshots to their model", () => {
    expect(imageModel("gpt-image-2-2026-04-21")?.id).toBe("gpt-image-2");
    expect(visionModel("gpt-4o-2024-11-20")?.id).toBe("gpt-4o");
  });

  it("refuses shut-down image models, naming the date and the replacement", () => {
    expect(errorOf(() => requireImageModel("dall-e-3", NOW))).toBe(
      'Model "dall-e-3" was shut down by OpenAI on 2026-05-12; use gpt-image-2.6-sunburst instead.',
    );
    expect(errorOf(() => requireImageModel("dall-e-2", NOW))).toContain("2026-05-12");
    expect(errorOf(() => requireImageModel("gpt-image-1", NOW))).toBe(
      'Model "gpt-image-1" was shut down by OpenAI on 2026-10-23; use gpt-image-2.5-sunburst or gpt-image-2.5-flare instead.',
    );
  });

  it("accepts models until their shutdown date, with a notice, and refuses them from it on", () => {
    for (const id of ["gpt-image-1.5", "gpt-image-1-mini", "chatgpt-image-latest"]) {
      const model = requireImageModel(id, NOW);
      expect(shutdownNotice(model, NOW)).toBe(`${id} shuts down on 2026-12-01; switch to gpt-image-2.6-sunburst or gpt-image-2.6-flare.`);
      expect(errorOf(() => requireImageModel(id, new Date("2026-12-01T00:00:00Z")))).toBe(
        `Model "${id}" was shut down by OpenAI on 2026-12-01; use gpt-image-2.6-sunburst or gpt-image-2.6-flare instead.`,
      );
    }
    expect(currentImageModelIds(AFTER_DECEMBER_SHUTDOWNS)).toEqual([
      "gpt-image-2",
      "gpt-image-2.5-flare",
      "gpt-image-2.5-sunburst",
      "gpt-image-2.6-flare",
      "gpt-image-2.6-sunburst",
    ]);
  });

  it("names the allowed models for an unknown one", () => {
    expect(errorOf(() => requireImageModel("gpt-image-9", AFTER_DECEMBER_SHUTDOWNS))).toBe(
      'model: unknown image model "gpt-image-9". Allowed: gpt-image-2, gpt-image-2.5-flare, gpt-image-2.5-sunburst, gpt-image-2.6-flare, gpt-image-2.6-sunburst.',
    );
  });

  it("refuses vision models that are shut down or do not take images", () => {
    expect(errorOf(() => requireVisionModel("gpt-5", AFTER_DECEMBER_SHUTDOWNS))).toBe(
      'Model "gpt-5" was shut down by OpenAI on 2026-12-11; use gpt-6.1-sol instead.',
    );
    expect(errorOf(() => requireVisionModel("gpt-5-mini", AFTER_DECEMBER_SHUTDOWNS))).toContain("use gpt-6.1-terra instead");
    expect(requireVisionModel("gpt-4o", AFTER_DECEMBER_SHUTDOWNS).id).toBe("gpt-4o");
    expect(errorOf(() => requireVisionModel("gpt-4.1", new Date("2027-01-14T00:00:00Z")))).toContain("2027-01-14");
    expect(currentVisionModelIds(NOW)[0]).toBe("gpt-6.1-terra");
  });

  it("takes gpt-6-luna's image input as the gateways list it, saying where that comes from", () => {
    const luna = requireVisionModel("gpt-6-luna", NOW);
    expect(luna.acceptsImages).toBe(true);
    expect(luna.imageInputNote).toContain("not yet on OpenAI's own model page");
    expect(currentVisionModelIds(NOW)).toContain("gpt-6-luna");
  });

  it("keeps each vision model's reasoning efforts: GPT-6.x none to max, GPT-5 minimal to high, GPT-4.x none at all", () => {
    const efforts = Object.fromEntries(VISION_MODELS.map((m) => [m.id, m.reasoning?.efforts.join(",") ?? null]));
    expect(efforts).toEqual({
      "gpt-6.1-terra": "none,minimal,low,medium,high,xhigh,max",
      "gpt-6.1-sol": "none,minimal,low,medium,high,xhigh,max",
      "gpt-6-astra": "none,minimal,low,medium,high,xhigh,max",
      "gpt-6-luna": "none,minimal,low,medium,high,xhigh,max",
      "gpt-5": "minimal,low,medium,high",
      "gpt-5-mini": "minimal,low,medium,high",
      "gpt-4.1": null,
      "gpt-4.1-mini": null,
      "gpt-4.1-nano": null,
      "gpt-4o": null,
      "gpt-4o-mini": null,
    });
    expect(VISION_MODELS.filter((m) => m.reasoning).every((m) => m.reasoning!.apiDefault === "medium")).toBe(true);
  });

  it("sizes the output budget for reasoning plus the answer, within the model's limit", () => {
    const terra = requireVisionModel("gpt-6.1-terra", NOW);
    expect(reasoningEffortFor(terra, undefined, "low")).toBe("low");
    expect(outputBudget(terra, "low", 1000)).toBe(1000 + REASONING_RESERVE.low);
    expect(outputBudget(terra, "max", 100_000)).toBe(128_000);
    const gpt41 = requireVisionModel("gpt-4.1", NOW);
    expect(reasoningEffortFor(gpt41, undefined, "low")).toBeNull();
    expect(outputBudget(gpt41, null, 1000)).toBe(1000);
  });

  it("knows the gpt-image-1.5-2025-12-16 snapshot, shutting down with its family", () => {
    expect(imageModel("gpt-image-1.5-2025-12-16")?.id).toBe("gpt-image-1.5");
    expect(errorOf(() => requireImageModel("gpt-image-1.5-2025-12-16", new Date("2026-12-01T00:00:00Z")))).toBe(
      'Model "gpt-image-1.5-2025-12-16" was shut down by OpenAI on 2026-12-01; use gpt-image-2.6-sunburst or gpt-image-2.6-flare instead.',
    );
  });

  it("prices Flare as estimates with their source, and says which 2.6 options OpenAI's pages confirm", () => {
    for (const id of ["gpt-image-2.5-flare", "gpt-image-2.6-flare"]) {
      const prices = imageModel(id)!.prices!;
      expect(prices).toMatchObject({ textInput: 5, imageInput: 8, imageOutput: 30, confirmed: false });
      expect(prices.source).toMatch(/^estimate, not confirmed by OpenAI \(resellers/);
    }
    const sunburst = imageModel("gpt-image-2.6-sunburst")!;
    expect(sunburst.edits.markup).toBe(true);
    expect(sunburst.optionsSource?.confirmed).toContain("markup edits (OpenAI's model page");
    const flare = imageModel("gpt-image-2.6-flare")!;
    expect(flare.edits.markup).toBe(false);
    expect(flare.optionsSource?.unconfirmed).toContain("markup, xhigh/max quality and custom sizes");
  });
});

describe("strict structured outputs", () => {
  it("every internal schema fits OpenAI's strict subset", () => {
    // Add the 3D spec here when it lands.
    const internal = { verdict: VERDICT_SCHEMA, reviewFindings: REVIEW_FINDINGS_SCHEMA };
    for (const [name, schema] of Object.entries(internal)) expect([name, strictSchemaProblems(schema)]).toEqual([name, []]);
  });

  it("names each reason a schema falls outside the subset", () => {
    expect(
      strictSchemaProblems({
        type: "object",
        properties: {
          kind: { oneOf: [{ type: "string" }, { type: "number" }] },
          box: { type: "object", properties: { w: { type: "number" } } },
          tags: { type: "array", items: { type: "string" } },
        },
        required: ["kind", "box"],
        additionalProperties: false,
        patternProperties: { "^x": { type: "string" } },
      }),
    ).toEqual([
      "#: 'patternProperties' is not permitted",
      "#: every property must be required (missing tags)",
      "/properties/kind: 'oneOf' is not permitted",
      "/properties/box: 'additionalProperties' must be false",
      "/properties/box: every property must be required (missing w)",
    ]);
    expect(strictSchemaProblems({ type: "array" })).toEqual(['#: the root must be {"type": "object"}']);
    expect(
      fitsStrictSubset({
        type: "object",
        properties: { a: { anyOf: [{ type: "string" }, { type: "null" }] } },
        required: ["a"],
        additionalProperties: false,
      }),
    ).toBe(true);
  });
});

describe("normalizeImageParams: defaults", () => {
  it("fills every default for generate", () => {
    expect(generate({})).toEqual({
      model: "gpt-image-2",
      size: "auto",
      quality: "auto",
      background: "auto",
      output_format: "png",
      output_compression: null,
      moderation: "auto",
      n: 1,
      input_fidelity: null,
      complexity: null,
    });
  });

  it("sends complexity only when asked, and only to models that take it", () => {
    expect(generate({ complexity: "medium" }).complexity).toBe("medium");
    expect(edit({ model: "gpt-image-2.6-flare", complexity: "low" }).complexity).toBe("low");
    expect(errorOf(() => generate({ complexity: "max" }))).toMatch(/complexity: "max" is not allowed\. Allowed: low, medium, high\./);
    expect(errorOf(() => generate({ model: "gpt-image-1-mini", complexity: "low" }))).toMatch(/gpt-image-1-mini does not take it/);
  });

  it("leaves moderation out of edits and sets compression for jpeg and webp", () => {
    expect(edit({ output_format: "webp" })).toMatchObject({ moderation: null, output_compression: 100, output_format: "webp" });
    expect(generate({ output_format: "jpeg", output_compression: 80 }).output_compression).toBe(80);
  });

  it("uses the configured default model", () => {
    const params = normalizeImageParams({}, { operation: "generate", now: NOW, defaultModel: "gpt-image-2.6-flare" });
    expect(params.model).toBe("gpt-image-2.6-flare");
  });

  it("normalizes equivalent requests to the same object (for the cache key)", () => {
    const a = generate({ output_format: "JPG", size: "1280X720", n: null });
    const b = generate({ model: "gpt-image-2", output_format: "jpeg", output_compression: 100, size: "1280x720", quality: "auto" });
    expect(a).toEqual(b);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it("sends only the fields that apply", () => {
    expect(imageRequestFields(generate({ size: "1024x1024" }))).toEqual({
      model: "gpt-image-2",
      size: "1024x1024",
      quality: "auto",
      background: "auto",
      output_format: "png",
      moderation: "auto",
      n: 1,
    });
  });

  it("refuses a shut-down model with its replacement", () => {
    expect(errorOf(() => generate({ model: "dall-e-3" }))).toContain("use gpt-image-2.6-sunburst instead");
    expect(errorOf(() => edit({ model: "gpt-image-1.5" }, AFTER_DECEMBER_SHUTDOWNS))).toContain("shut down by OpenAI on 2026-12-01");
  });
});

describe("normalizeImageParams: size", () => {
  it("accepts presets, auto and valid custom sizes", () => {
    expect(generate({ size: "1536x1024" }).size).toBe("1536x1024");
    expect(generate({ size: "1280x720" }).size).toBe("1280x720");
    expect(generate({ model: "gpt-image-2.5-sunburst", size: "3840x2160" }).size).toBe("3840x2160");
    expect(generate({ model: "gpt-image-2.6-sunburst", size: "auto" }).size).toBe("auto");
  });

  it("refuses custom sizes on models that only take presets", () => {
    expect(errorOf(() => generate({ model: "gpt-image-2.6-sunburst", size: "1280x720" }))).toBe(
      'size: "1280x720" is not supported by gpt-image-2.6-sunburst. Allowed: auto, 1024x1024, 1536x1024, 1024x1536. ' +
        "Custom sizes work on gpt-image-2, gpt-image-2.5-flare, gpt-image-2.5-sunburst.",
    );
  });

  it("refuses what is not a size", () => {
    const message = errorOf(() => generate({ size: "big" }));
    expect(message).toMatch(
      /^size: "big" is not a size\. Allowed for gpt-image-2: auto, 1024x1024, 1536x1024, 1024x1536, or a custom WIDTHxHEIGHT/,
    );
  });

  const cases: [string, string, string][] = [
    ["1000x700", "width and height must both be multiples of 16", "1008x704"],
    ["3200x800", "the aspect ratio must be between 1:3 and 3:1", "2400x800"],
    ["4096x2048", "no side may exceed 3840 px", "3840x1920"],
    ["3200x3200", "at most 8,294,400 pixels are allowed", "2880x2880"],
    ["512x512", "at least 655,360 pixels are required", "816x816"],
  ];
  it.each(cases)("refuses %s (%s) and suggests %s", (size, problem, nearest) => {
    const message = errorOf(() => generate({ size }));
    expect(message).toContain(`size: "${size}" is not valid for gpt-image-2: ${problem}. Nearest valid size: ${nearest}.`);
    expect(message).toContain("Allowed: auto, 1024x1024, 1536x1024, 1024x1536, or a custom WIDTHxHEIGHT");
    expect(generate({ size: nearest }).size).toBe(nearest);
  });

  it("notes experimental sizes and preview transparency", () => {
    const params = generate({ size: "3840x2160", background: "transparent" });
    expect(imageParamNotices(params, NOW)).toEqual([
      "size 3840x2160 is above 2560x1440: OpenAI calls such sizes experimental.",
      "transparent backgrounds are a preview on gpt-image-2.",
    ]);
    expect(imageParamNotices(generate({ size: "2560x1440" }), NOW)).toEqual([]);
  });

  it("parses sizes and knows the dimensions to expect", () => {
    expect(parseSize("1280x720")).toEqual({ width: 1280, height: 720 });
    expect(parseSize("AUTO")).toBe("auto");
    expect(parseSize("12x")).toBeUndefined();
    expect(parseSize("0x10")).toBeUndefined();
    expect(expectedDimensions("1024x1536")).toEqual({ width: 1024, height: 1536 });
    expect(expectedDimensions("auto")).toBeNull();
  });
});

describe("normalizeImageParams: other fields", () => {
  it("checks quality per model", () => {
    expect(errorOf(() => generate({ quality: "xhigh" }))).toBe(
      'quality: "xhigh" is not allowed for gpt-image-2. Allowed: low, medium, high, auto.',
    );
    expect(errorOf(() => generate({ quality: "hd" }))).toContain('quality: "hd" is not allowed');
    expect(generate({ model: "gpt-image-2.5-flare", quality: "max" }).quality).toBe("max");
  });

  it("allows a transparent background only with png or webp", () => {
    expect(errorOf(() => generate({ background: "transparent", output_format: "jpeg" }))).toBe(
      'background: "transparent" needs output_format png or webp, not "jpeg". Allowed with jpeg: auto, opaque.',
    );
    expect(generate({ background: "transparent", output_format: "webp" }).background).toBe("transparent");
    expect(generate({ background: "transparent" }).output_format).toBe("png");
    expect(errorOf(() => generate({ background: "clear" }))).toBe(
      'background: "clear" is not allowed for gpt-image-2. Allowed: auto, opaque, transparent.',
    );
  });

  it("exposes png, jpeg and webp only", () => {
    expect(errorOf(() => generate({ output_format: "gif" }))).toBe('output_format: "gif" is not allowed. Allowed: png, jpeg, webp.');
    expect(generate({ output_format: "jpg" }).output_format).toBe("jpeg");
  });

  it("takes output_compression 0-100 for jpeg and webp only", () => {
    expect(errorOf(() => generate({ output_compression: 50 }))).toBe(
      'output_compression: 50 cannot be used with output_format "png". It applies only to jpeg and webp.',
    );
    expect(errorOf(() => generate({ output_format: "jpeg", output_compression: 101 }))).toBe(
      "output_compression: 101 is not allowed. Allowed: an integer from 0 to 100.",
    );
    expect(generate({ output_format: "webp", output_compression: 0 }).output_compression).toBe(0);
  });

  it("takes moderation for generate only", () => {
    expect(errorOf(() => edit({ moderation: "low" }))).toBe(
      'moderation: "low" cannot be used when editing. moderation applies only to image generation.',
    );
    expect(errorOf(() => generate({ moderation: "high" }))).toBe('moderation: "high" is not allowed. Allowed: low, auto.');
    expect(generate({ moderation: "low" }).moderation).toBe("low");
  });

  it.each([0, 11, 1.5, -1])("refuses n = %s", (n) => {
    expect(errorOf(() => generate({ n }))).toBe(`n: ${n} is not allowed. Allowed: an integer from 1 to 10.`);
  });

  it("accepts n up to 10", () => {
    expect(generate({ n: 10 }).n).toBe(10);
  });

  it("takes input_fidelity only on edits with a model that supports it", () => {
    expect(errorOf(() => edit({ input_fidelity: "high" }))).toBe(
      'input_fidelity: "high" is not allowed: gpt-image-2 does not take it (omit it for the 2.x models). ' +
        "Models that take it: gpt-image-1.5, chatgpt-image-latest, gpt-image-1-mini.",
    );
    expect(errorOf(() => generate({ model: "gpt-image-1.5", input_fidelity: "high" }))).toContain("input_fidelity applies only to edits");
    expect(edit({ model: "gpt-image-1.5", input_fidelity: "high" }).input_fidelity).toBe("high");
    // Sent only when the caller set it.
    expect(edit({ model: "gpt-image-1.5" }).input_fidelity).toBeNull();
    expect(imageRequestFields(edit({ model: "gpt-image-1.5" }))).not.toHaveProperty("input_fidelity");
    expect(errorOf(() => edit({ model: "gpt-image-1-mini", input_fidelity: "high" }))).toBe(
      'input_fidelity: "high" is not allowed for gpt-image-1-mini. Allowed: low.',
    );
    expect(edit({}).input_fidelity).toBeNull();
    expect(errorOf(() => edit({ input_fidelity: "low" }, AFTER_DECEMBER_SHUTDOWNS))).toContain("No current model takes it.");
  });

  it("limits the prompt to 32,000 characters", () => {
    const params = generate({});
    expect(() => checkPromptLength(params, "x".repeat(32_000), NOW)).not.toThrow();
    expect(errorOf(() => checkPromptLength(params, "x".repeat(32_001), NOW))).toBe(
      "prompt: 32,001 characters is too long for gpt-image-2. Allowed: up to 32,000 characters.",
    );
    expect(errorOf(() => checkPromptLength(params, "  ", NOW))).toBe("prompt: must not be empty.");
  });

  it("treats every operation the same for shared fields", () => {
    for (const operation of ["generate", "edit"] as ImageOperation[]) {
      expect(normalizeImageParams({ size: "1024x1536", quality: "high" }, { operation, now: NOW })).toMatchObject({
        size: "1024x1536",
        quality: "high",
      });
    }
  });
});

describe("image tokens: 512 px tile rule (OpenAI vision guide, 'Calculating costs')", () => {
  it("1024x1024 at high detail on gpt-4o costs 765 tokens (4 tiles × 170 + 85)", () => {
    expect(imageTokenEstimate("gpt-4o", { width: 1024, height: 1024 }, "high")).toEqual({
      tokens: 765,
      units: 4,
      unit: "tiles",
      dimensions: { width: 768, height: 768 },
    });
  });

  it("2048x4096 at high detail costs 1105 tokens (scaled to 768x1536, 6 tiles)", () => {
    expect(estimateImageTokens("gpt-4o", { width: 2048, height: 4096 }, "high")).toBe(1105);
    expect(targetDimensions("gpt-4o", { width: 2048, height: 4096 }, "high")).toEqual({ width: 768, height: 1536 });
  });

  it("low detail costs the base tokens whatever the size, and a 512 px version is enough", () => {
    expect(estimateImageTokens("gpt-4o", { width: 4096, height: 8192 }, "low")).toBe(85);
    expect(targetDimensions("gpt-4o", { width: 4096, height: 8192 }, "low")).toEqual({ width: 256, height: 512 });
    expect(estimateImageTokens("gpt-4o-mini", { width: 4096, height: 8192 }, "low")).toBe(2833);
  });

  it("treats auto as high (the upper bound) and refuses original", () => {
    expect(estimateImageTokens("gpt-4.1", { width: 1024, height: 1024 }, "auto")).toBe(765);
    expect(errorOf(() => estimateImageTokens("gpt-4o", { width: 10, height: 10 }, "original"))).toBe(
      'detail: "original" is not supported by gpt-4o. Allowed: low, high, auto.',
    );
  });

  it("never upscales", () => {
    expect(targetDimensions("gpt-4o", { width: 500, height: 300 }, "high")).toEqual({ width: 500, height: 300 });
    expect(estimateImageTokens("gpt-4o", { width: 500, height: 300 }, "high")).toBe(255);
  });
});

describe("image tokens: 32 px patch rule (OpenAI vision guide worked examples)", () => {
  it("1024x1024 is 1024 patches before the multiplier (gpt-4.1-mini × 1.62)", () => {
    expect(imageTokenEstimate("gpt-4.1-mini", { width: 1024, height: 1024 }, "high")).toEqual({
      tokens: 1659,
      units: 1024,
      unit: "patches",
      dimensions: { width: 1024, height: 1024 },
    });
  });

  it("1800x2400 is scaled down to 1056x1408 = 1452 patches", () => {
    const estimate = imageTokenEstimate("gpt-4.1-mini", { width: 1800, height: 2400 }, "high");
    expect(estimate.units).toBe(1452);
    expect(estimate.dimensions).toEqual({ width: 1056, height: 1408 });
    expect(estimate.tokens).toBe(Math.ceil(1452 * 1.62));
  });

  it("older patch models ignore low detail and have no original", () => {
    expect(estimateImageTokens("gpt-5-mini", { width: 1024, height: 1024 }, "low")).toBe(1659);
    expect(errorOf(() => estimateImageTokens("gpt-5-mini", { width: 1024, height: 1024 }, "original"))).toContain(
      '"original" is not supported by gpt-5-mini',
    );
  });

  // GPT-6 numbers: the third-party measurements cited on PATCHES_GPT6 in catalog.ts.
  it.each([
    [1024, 1024, "high", 1229],
    [1920, 1080, "high", 2448],
    [2560, 1440, "high", 2931],
    [3840, 2160, "high", 2931],
    [2560, 1440, "auto", 4320],
    [3840, 2160, "original", 9792],
    [4032, 3024, "original", 11868],
  ] as const)("gpt-6.1-sol %sx%s at %s = %s tokens", (width, height, detail, tokens) => {
    expect(estimateImageTokens("gpt-6.1-sol", { width, height }, detail)).toBe(tokens);
  });

  it("bounds gpt-6.1-terra with the mini tier's 1.62 multiplier under the GPT-6 caps (no OpenAI figure for terra)", () => {
    expect(estimateImageTokens("gpt-6.1-terra", { width: 1024, height: 1024 }, "high")).toBe(Math.ceil(1024 * 1.62));
    expect(estimateImageTokens("gpt-6.1-terra", { width: 3840, height: 2160 }, "original")).toBe(Math.ceil((9792 / 1.2) * 1.62));
  });

  it("caps original detail at 10,000 patches and gives the size to send", () => {
    const estimate = imageTokenEstimate("gpt-6-astra", { width: 4032, height: 3024 }, "original");
    expect(estimate.units).toBe(9890);
    expect(estimate.units).toBeLessThanOrEqual(10_000);
    expect(estimate.dimensions.width).toBeLessThan(4032);
    expect(estimateImageTokens("gpt-6-astra", estimate.dimensions, "original")).toBeLessThanOrEqual(estimate.tokens);
  });

  it("refuses bad dimensions", () => {
    expect(errorOf(() => estimateImageTokens("gpt-6.1-terra", { width: 0, height: 10 }, "high"))).toContain("must be positive numbers");
  });
});

describe("cost", () => {
  it("prices an Images API call from its usage", () => {
    const cost = imageCostUsd("gpt-image-2.6-sunburst", {
      input_tokens: 1050,
      input_tokens_details: { text_tokens: 50, image_tokens: 1000 },
      output_tokens: 4160,
      total_tokens: 5210,
    });
    // 50 × $5 + 1000 × $8 + 4160 × $30, per million.
    expect(cost.usd).toBe(0.13305);
    expect(cost.breakdown).toEqual({
      textInput: { tokens: 50, usdPerMillion: 5, usd: 0.00025 },
      imageInput: { tokens: 1000, usdPerMillion: 8, usd: 0.008 },
      imageOutput: { tokens: 4160, usdPerMillion: 30, usd: 0.1248 },
    });
    expect(cost.pricesFrom).toEqual({
      source: "OpenAI model page for gpt-image-2.6-sunburst (per FACTS.md)",
      checkedOn: "2026-11-24",
      estimate: false,
    });
  });

  it("prices cached input and text output", () => {
    const cost = imageCostUsd("gpt-image-2.6-sunburst", {
      input_tokens: 1050,
      input_tokens_details: { text_tokens: 50, image_tokens: 1000 },
      cached_tokens_details: { cached_text_tokens: 10, cached_image_tokens: 200 },
      output_tokens: 1000,
      output_tokens_details: { image_tokens: 900, text_tokens: 100 },
    });
    // 40×5 + 10×1.25 + 800×8 + 200×2 + 900×30 + 100×10 = 35,012.5 per million, rounded to 6 decimals.
    expect(cost.usd).toBe(0.035013);
    expect(cost.breakdown.cachedImageInput).toEqual({ tokens: 200, usdPerMillion: 2, usd: 0.0004 });
    expect(cost.breakdown.textOutput).toEqual({ tokens: 100, usdPerMillion: 10, usd: 0.001 });
  });

  it("splits a cached total in proportion to text and image input", () => {
    const cost = imageCostUsd("gpt-image-2.6-sunburst", {
      input_tokens: 1050,
      input_tokens_details: { text_tokens: 50, image_tokens: 1000, cached_tokens: 210 },
      output_tokens: 0,
    });
    expect(cost.breakdown.cachedTextInput?.tokens).toBe(10);
    expect(cost.breakdown.cachedImageInput?.tokens).toBe(200);
  });

  it("labels an estimated price sheet", () => {
    const cost = imageCostUsd("gpt-image-2", {
      input_tokens: 10,
      input_tokens_details: { text_tokens: 10, image_tokens: 0 },
      output_tokens: 0,
    });
    expect(cost.pricesFrom.estimate).toBe(true);
    expect(cost.pricesFrom.source).toMatch(/^estimate, not confirmed by OpenAI/);
  });

  it("prices a Responses call, cached input apart", () => {
    const cost = textCostUsd("gpt-6.1-terra", {
      input_tokens: 10_000,
      input_tokens_details: { cached_tokens: 2000 },
      output_tokens: 500,
    });
    // 8000 × $1 + 2000 × $0.05 + 500 × $5, per million.
    expect(cost.usd).toBe(0.0106);
    expect(cost.breakdown.cachedInput).toEqual({ tokens: 2000, usdPerMillion: 0.05, usd: 0.0001 });
    expect(cost.pricesFrom.estimate).toBe(true);
  });

  it("applies the long-context rates above 272K input tokens", () => {
    const cost = textCostUsd("gpt-6.1-terra", { input_tokens: 300_000, output_tokens: 1000 });
    expect(cost.usd).toBe(0.6075);
  });

  it("refuses a model without prices", () => {
    expect(errorOf(() => imageCostUsd("dall-e-3", { input_tokens: 0, output_tokens: 0 }))).toContain("No token prices");
  });
});
