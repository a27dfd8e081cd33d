/**
 * The OpenAI models this server knows, as data: what each accepts, its limits, its token prices
 * (with where each price came from), its image-token rule and its shutdown date.
 *
 * Correct a price or a limit here, nowhere else. Every price sheet whose `source` starts with
 * "estimate" was not read from OpenAI's own pages; check it against
 * https://developers.openai.com/api/docs/pricing and change `source`/`checkedOn` when you do.
 */
import { ToolError } from "../errors";

export type IsoDate = `${number}-${number}-${number}`;
export type SizePreset = `${number}x${number}`;

export type ImageQuality = "low" | "medium" | "high" | "xhigh" | "max" | "auto";
export type ImageBackground = "auto" | "opaque" | "transparent";
/** The formats this server exposes; the API also has gif and svg, which do not stream. */
export type ImageOutputFormat = "png" | "jpeg" | "webp";
export type InputFidelity = "low" | "high";
/** Planning effort before rendering, independent of quality. */
export type ImageComplexity = "low" | "medium" | "high";
export const IMAGE_COMPLEXITIES: readonly ImageComplexity[] = ["low", "medium", "high"];
export type ImageDetail = "low" | "high" | "auto" | "original";
/** `reasoning.effort` values of the Responses API (openai 7.57 shared.d.ts `ReasoningEffort`). */
export type ReasoningEffort = "none" | "minimal" | "low" | "medium" | "high" | "xhigh" | "max";
export const REASONING_EFFORTS: readonly ReasoningEffort[] = ["none", "minimal", "low", "medium", "high", "xhigh", "max"];

/** Where a price sheet came from. `confirmed: false` marks an estimate to correct when OpenAI's page is read. */
export interface PriceSource {
  source: string;
  checkedOn: IsoDate;
  confirmed: boolean;
}

/** USD per 1M tokens for the Images API, whose usage splits text and image tokens. */
export interface ImageTokenPrices extends PriceSource {
  textInput: number;
  cachedTextInput: number;
  imageInput: number;
  cachedImageInput: number;
  imageOutput: number;
  /** Reasoning text some image models bill as output (`output_tokens_details.text_tokens`). */
  textOutput: number;
  note?: string;
}

/** USD per 1M tokens for the Responses API (image inputs are billed as input tokens). */
export interface TextTokenPrices extends PriceSource {
  input: number;
  cachedInput: number;
  output: number;
  /** A request over the threshold is billed in full at the multiplied rates. */
  longContext?: { aboveInputTokens: number; inputMultiplier: number; outputMultiplier: number };
  note?: string;
}

export interface Retirement {
  /** First day the model no longer answers (UTC). */
  shutdownDate: IsoDate;
  replacements: readonly string[];
}

export interface CustomSizeLimits {
  multipleOf: number;
  /** Long side over short side. */
  maxAspectRatio: number;
  maxEdge: number;
  maxPixels: number;
  minPixels: number;
  /** Sizes with more pixels than this work but OpenAI calls them experimental. */
  experimentalAbovePixels: number;
}

export interface ImageModelSpec {
  id: string;
  /** Dated snapshots that share this entry's rules and prices. */
  aliases: readonly string[];
  summary: string;
  sizes: { presets: readonly SizePreset[]; auto: boolean; custom: CustomSizeLimits | null };
  qualities: readonly ImageQuality[];
  backgrounds: readonly ImageBackground[];
  /** OpenAI documents transparency as a preview on this model. */
  transparentBackgroundPreview: boolean;
  outputFormats: readonly ImageOutputFormat[];
  maxImagesPerRequest: number;
  /** `markup`: a transparent PNG drawn over the first image to show the edit (SDK images.ts: GPT Image 2.5). */
  edits: { supported: boolean; maxInputImages: number; markup: boolean };
  /** What OpenAI's own pages confirm about this model's options, and what is taken from resellers only. */
  optionsSource?: { confirmed: string; unconfirmed?: string };
  /**
   * Takes `complexity`. The SDK names no model restriction; the 2.x family is where it was
   * introduced, so the retiring 1.x models are not sent it.
   */
  complexity: boolean;
  /** Only the 1.x models take `input_fidelity`, sent only when the caller sets it; the API wants it omitted for 2.x. */
  inputFidelity: { values: readonly InputFidelity[] } | null;
  partialImages: { max: number } | null;
  promptMaxChars: number;
  /** Null for the retired DALL·E models, which were priced per image. */
  prices: ImageTokenPrices | null;
  retirement: Retirement | null;
}

/**
 * The 512 px tile rule (GPT-4o, GPT-4.1, GPT-5): fit in maxLongSide², scale the short side down to
 * shortSideTarget, count tiles; tokens = baseTokens + tiles × tileTokens; detail low = baseTokens.
 * Source: OpenAI vision guide, "Calculating costs" (worked examples 1024×1024 high = 765,
 * 2048×4096 high = 1105, quoted at https://v2ex.com/amp/t/1044688 and
 * https://a64.in/tools/openai-vision-cost-calculator.html).
 */
export interface TileRule {
  kind: "tiles";
  tileSize: number;
  baseTokens: number;
  tileTokens: number;
  shortSideTarget: number;
  maxLongSide: number;
  /** Detail low sends a version that fits this square. */
  lowDetailSide: number;
}

/**
 * The 32 px patch rule: patches = ceil(w/32) × ceil(h/32); over the cap, shrink by
 * sqrt(cap × 32² / (w × h)), then shrink again so whole patches fit the narrower axis; tokens =
 * ceil(patches × multiplier). Source: OpenAI vision guide (mirrored at
 * https://openai-hd4n6.mintlify.app/docs/guides/images: 1024×1024 = 1024 patches, 1800×2400 →
 * 1056×1408 = 1452 patches; multipliers 1.62 for gpt-4.1-mini/gpt-5-mini, 2.46 for nano).
 * `original` detail raises the cap to 10,000 patches (openai/codex PR #19865, citing
 * platform.openai.com/docs/guides/images-vision#model-sizing-behavior).
 */
export interface PatchRule {
  kind: "patches";
  patchSize: number;
  /** Cap for detail high. */
  maxPatches: number;
  multiplier: number;
  /** Cap for detail original; null when the model does not take `original`. */
  originalMaxPatches: number | null;
  /** Cap for detail low; null when the model treats low like high (older patch models ignore it). */
  lowMaxPatches: number | null;
  /** What `auto` resolves to for this model. */
  autoDetail: "high" | "original";
}

export type ImageTokenRule = TileRule | PatchRule;

/**
 * A reasoning model's `reasoning.effort` values. On these models `max_output_tokens` covers the
 * hidden reasoning and the visible answer, and an unset effort means `medium`.
 */
export interface ReasoningCapability {
  efforts: readonly ReasoningEffort[];
  /** What the model uses when no effort is sent. */
  apiDefault: ReasoningEffort;
}

export interface VisionModelSpec {
  id: string;
  aliases: readonly string[];
  summary: string;
  acceptsImages: boolean;
  /** Where image input comes from when OpenAI's own page does not confirm it. */
  imageInputNote?: string;
  structuredOutputs: boolean;
  maxOutputTokens: number;
  /** Null: the model refuses any `reasoning` parameter (400), as gpt-4o and gpt-4.1 do. */
  reasoning: ReasoningCapability | null;
  /** Null when the model does not take images. */
  imageTokens: ImageTokenRule | null;
  prices: TextTokenPrices;
  retirement: Retirement | null;
}

// ---------------------------------------------------------------------------------------------
// Shared facts

/** Checked against /work/shared/FACTS.md and the openai 7.57 SDK's images.ts on this date. */
const CHECKED_ON: IsoDate = "2026-11-24";

const STANDARD_PRESETS: readonly SizePreset[] = ["1024x1024", "1536x1024", "1024x1536"];

/**
 * gpt-image-2 and 2.5 custom sizes (SDK images.ts `size` doc): sides multiples of 16, aspect 1:3..3:1,
 * at most 3840x2160, above 2560x1440 experimental. The 3840 edge and the 655,360..8,294,400 pixel
 * range are the "pixel and edge limits" the SDK mentions, as several API resellers' docs quote them
 * (e.g. https://docs.anyfast.ai/guides/model-api/openai/gpt-image-2).
 */
const CUSTOM_SIZES_2X: CustomSizeLimits = {
  multipleOf: 16,
  maxAspectRatio: 3,
  maxEdge: 3840,
  maxPixels: 3840 * 2160,
  minPixels: 655_360,
  experimentalAbovePixels: 2560 * 1440,
};

const ALL_BACKGROUNDS: readonly ImageBackground[] = ["auto", "opaque", "transparent"];
const EXPOSED_FORMATS: readonly ImageOutputFormat[] = ["png", "jpeg", "webp"];
const BASE_QUALITIES: readonly ImageQuality[] = ["low", "medium", "high", "auto"];
const QUALITIES_2_5: readonly ImageQuality[] = ["low", "medium", "high", "xhigh", "max", "auto"];

const ESTIMATE = "estimate, not confirmed by OpenAI";

/** A price sheet not read from OpenAI's own pages: easy to find (grep "estimate") and correct. */
const estimated = (why: string): PriceSource => ({ source: `${ESTIMATE} (${why})`, checkedOn: CHECKED_ON, confirmed: false });

type ImageRates = Omit<ImageTokenPrices, keyof PriceSource | "note">;

const SUNBURST_RATES: ImageRates = {
  textInput: 5,
  cachedTextInput: 1.25,
  imageInput: 8,
  cachedImageInput: 2,
  imageOutput: 30,
  textOutput: 10,
};

/** Public resellers list both 2.6 tiers at $5 / $8 / $30 per 1M tokens; OpenAI's own page for Flare was not read. */
const FLARE_2_6_PRICES_ESTIMATE: ImageTokenPrices = {
  ...SUNBURST_RATES,
  ...estimated("resellers (APIYI, inference.sh, 2026-11) list both 2.6 tiers at $5 text in / $8 image in / $30 image out"),
};

const GPT_IMAGE_1_5_RATES: ImageRates = {
  textInput: 5,
  cachedTextInput: 1.25,
  imageInput: 8,
  cachedImageInput: 2,
  imageOutput: 32,
  textOutput: 10,
};

const IMAGE_MODEL_DEFAULTS = {
  aliases: [],
  transparentBackgroundPreview: false,
  outputFormats: EXPOSED_FORMATS,
  maxImagesPerRequest: 10,
  edits: { supported: true, maxInputImages: 16, markup: false },
  complexity: false,
  inputFidelity: null,
  partialImages: { max: 3 },
  promptMaxChars: 32_000,
  retirement: null,
} as const satisfies Partial<ImageModelSpec>;

/** What the current GPT Image 2.x models share beyond the defaults. */
const GPT_IMAGE_2X = { ...IMAGE_MODEL_DEFAULTS, complexity: true } as const satisfies Partial<ImageModelSpec>;
const EDITS_WITH_MARKUP = { supported: true, maxInputImages: 16, markup: true } as const;

const REPLACED_BY_2_6: Retirement = {
  shutdownDate: "2026-12-01",
  replacements: ["gpt-image-2.6-sunburst", "gpt-image-2.6-flare"],
};

// ---------------------------------------------------------------------------------------------
// Image models

export const IMAGE_MODELS: readonly ImageModelSpec[] = [
  {
    ...GPT_IMAGE_2X,
    id: "gpt-image-2",
    aliases: ["gpt-image-2-2026-04-21"],
    summary: "General-purpose GPT Image 2; custom sizes up to 3840x2160.",
    sizes: { presets: STANDARD_PRESETS, auto: true, custom: CUSTOM_SIZES_2X },
    qualities: BASE_QUALITIES,
    backgrounds: ALL_BACKGROUNDS,
    transparentBackgroundPreview: true,
    prices: {
      ...SUNBURST_RATES,
      ...estimated("assumed gpt-image-2.6-sunburst's rates; a community calculator also lists $30 image output"),
    },
  },
  {
    ...GPT_IMAGE_2X,
    id: "gpt-image-2.5-flare",
    aliases: ["gpt-image-2.5-flare-2026-09-08"],
    edits: EDITS_WITH_MARKUP,
    summary: "GPT Image 2.5, small and fast; custom sizes; qualities up to max.",
    sizes: { presets: STANDARD_PRESETS, auto: true, custom: CUSTOM_SIZES_2X },
    qualities: QUALITIES_2_5,
    backgrounds: ALL_BACKGROUNDS,
    prices: { ...SUNBURST_RATES, ...estimated("resellers list 2.5 Flare at gpt-image-2's rates, themselves assumed from 2.6 Sunburst's") },
  },
  {
    ...GPT_IMAGE_2X,
    id: "gpt-image-2.5-sunburst",
    aliases: ["gpt-image-2.5-sunburst-2026-09-08"],
    edits: EDITS_WITH_MARKUP,
    summary: "GPT Image 2.5, precise; custom sizes; qualities up to max.",
    sizes: { presets: STANDARD_PRESETS, auto: true, custom: CUSTOM_SIZES_2X },
    qualities: QUALITIES_2_5,
    backgrounds: ALL_BACKGROUNDS,
    prices: { ...SUNBURST_RATES, ...estimated("assumed gpt-image-2.6-sunburst's rates") },
  },
  {
    ...GPT_IMAGE_2X,
    id: "gpt-image-2.6-flare",
    summary: "GPT Image 2.6, small and fast; preset sizes only.",
    sizes: { presets: STANDARD_PRESETS, auto: true, custom: null },
    qualities: BASE_QUALITIES,
    backgrounds: ALL_BACKGROUNDS,
    optionsSource: {
      confirmed: "preset sizes and low–high quality (openai 7.57 SDK images.ts); complexity as on 2.6 Sunburst's OpenAI model page",
      unconfirmed:
        "markup, xhigh/max quality and custom sizes: offered by resellers (WaveSpeed, Comfy), not found on OpenAI's own pages, so not offered here",
    },
    prices: FLARE_2_6_PRICES_ESTIMATE,
  },
  {
    ...GPT_IMAGE_2X,
    id: "gpt-image-2.6-sunburst",
    summary: "GPT Image 2.6, precise (the Responses image tool's default); preset sizes only; markup edits.",
    edits: EDITS_WITH_MARKUP,
    optionsSource: {
      confirmed:
        "complexity and markup edits (OpenAI's model page developers.openai.com/api/docs/models/gpt-image-2.6-sunburst, 2026-11-29), preset sizes, low–high quality",
      unconfirmed: "xhigh/max quality and custom sizes: offered by resellers only, so not offered here",
    },
    sizes: { presets: STANDARD_PRESETS, auto: true, custom: null },
    qualities: BASE_QUALITIES,
    backgrounds: ALL_BACKGROUNDS,
    prices: {
      ...SUNBURST_RATES,
      source: "OpenAI model page for gpt-image-2.6-sunburst (per FACTS.md)",
      checkedOn: CHECKED_ON,
      confirmed: true,
      note: "textOutput is an estimate (gpt-image-1.5's rate): the model page lists no text output price.",
    },
  },
  // Models with a shutdown date: usable until that day, refused from it on.
  {
    ...IMAGE_MODEL_DEFAULTS,
    id: "gpt-image-1.5",
    aliases: ["gpt-image-1.5-2025-12-16"],
    summary: "GPT Image 1.5 (shutting down).",
    sizes: { presets: STANDARD_PRESETS, auto: true, custom: null },
    qualities: BASE_QUALITIES,
    backgrounds: ALL_BACKGROUNDS,
    inputFidelity: { values: ["low", "high"] },
    prices: { ...GPT_IMAGE_1_5_RATES, ...estimated("OpenAI's published gpt-image-1.5 rates as last seen, December 2025") },
    retirement: REPLACED_BY_2_6,
  },
  {
    ...IMAGE_MODEL_DEFAULTS,
    id: "chatgpt-image-latest",
    summary: "The image model used in ChatGPT (shutting down).",
    sizes: { presets: STANDARD_PRESETS, auto: true, custom: null },
    qualities: BASE_QUALITIES,
    backgrounds: ALL_BACKGROUNDS,
    inputFidelity: { values: ["low", "high"] },
    prices: { ...GPT_IMAGE_1_5_RATES, ...estimated("assumed gpt-image-1.5's rates") },
    retirement: REPLACED_BY_2_6,
  },
  {
    ...IMAGE_MODEL_DEFAULTS,
    id: "gpt-image-1-mini",
    summary: "GPT Image 1 mini (shutting down).",
    sizes: { presets: STANDARD_PRESETS, auto: true, custom: null },
    qualities: BASE_QUALITIES,
    backgrounds: ALL_BACKGROUNDS,
    // SDK images.ts: "gpt-image-1-mini supports only low".
    inputFidelity: { values: ["low"] },
    prices: {
      textInput: 2,
      cachedTextInput: 0.2,
      imageInput: 2.5,
      cachedImageInput: 0.25,
      imageOutput: 8,
      textOutput: 0,
      ...estimated("OpenAI's published gpt-image-1-mini rates as last seen, October 2025"),
    },
    retirement: REPLACED_BY_2_6,
  },
  {
    ...IMAGE_MODEL_DEFAULTS,
    id: "gpt-image-1",
    summary: "GPT Image 1 (shut down).",
    sizes: { presets: STANDARD_PRESETS, auto: true, custom: null },
    qualities: BASE_QUALITIES,
    backgrounds: ALL_BACKGROUNDS,
    inputFidelity: { values: ["low", "high"] },
    prices: {
      textInput: 5,
      cachedTextInput: 1.25,
      imageInput: 10,
      cachedImageInput: 2.5,
      imageOutput: 40,
      textOutput: 0,
      ...estimated("OpenAI's published gpt-image-1 rates as last seen, 2025"),
    },
    // SDK images.ts names the 2.5 models as gpt-image-1's replacement.
    retirement: { shutdownDate: "2026-10-23", replacements: ["gpt-image-2.5-sunburst", "gpt-image-2.5-flare"] },
  },
  {
    ...IMAGE_MODEL_DEFAULTS,
    id: "dall-e-3",
    summary: "DALL·E 3 (shut down).",
    sizes: { presets: ["1024x1024", "1792x1024", "1024x1792"], auto: false, custom: null },
    qualities: [],
    backgrounds: ["auto"],
    maxImagesPerRequest: 1,
    edits: { supported: false, maxInputImages: 0, markup: false },
    partialImages: null,
    promptMaxChars: 4000,
    prices: null,
    retirement: { shutdownDate: "2026-05-12", replacements: ["gpt-image-2.6-sunburst"] },
  },
  {
    ...IMAGE_MODEL_DEFAULTS,
    id: "dall-e-2",
    summary: "DALL·E 2 (shut down).",
    sizes: { presets: ["256x256", "512x512", "1024x1024"], auto: false, custom: null },
    qualities: [],
    backgrounds: ["auto"],
    edits: { supported: true, maxInputImages: 1, markup: false },
    partialImages: null,
    promptMaxChars: 1000,
    prices: null,
    retirement: { shutdownDate: "2026-05-12", replacements: ["gpt-image-2.6-flare"] },
  },
];

// ---------------------------------------------------------------------------------------------
// Vision and text models (Responses API)

/** GPT-4o / GPT-4.1 / GPT-4.5 tile constants from OpenAI's vision guide. */
const TILES_85_170: TileRule = {
  kind: "tiles",
  tileSize: 512,
  baseTokens: 85,
  tileTokens: 170,
  shortSideTarget: 768,
  maxLongSide: 2048,
  lowDetailSide: 512,
};

/**
 * GPT-6 / GPT-5.6 era rule. Multiplier 1.2 and the 2,500-patch cap for detail high are derived from
 * third-party measurements, not an OpenAI page: vision-squeezer's docs ("GPT-6 / GPT-5.6: 32×32
 * patches with a 1.2 multiplier", docs.rs/vision-squeezer) and the huggingface.co/datasets/
 * JOHNISKING/image-token-cost table (1024x1024 → 1,229; 2560x1440 high → 2,931 = 2,442 patches
 * after scaling to a 2,500 budget; auto = original: 3840x2160 → 9,792). That table also shows
 * gpt-6-astra taking 11,970 patches for a 4032x3024 photo at auto, above the documented 10,000
 * cap: estimates for huge images on auto/original may run low by up to ~20%.
 * Detail low is not documented for these models: treated like high (an upper bound).
 */
const PATCHES_GPT6: PatchRule = {
  kind: "patches",
  patchSize: 32,
  maxPatches: 2500,
  multiplier: 1.2,
  originalMaxPatches: 10_000,
  lowMaxPatches: null,
  autoDetail: "original",
};

/**
 * gpt-6.1-terra, the successor of gpt-5-mini: the GPT-6 patch caps with the mini tier's
 * documented multiplier (1.62) instead of 1.2. No OpenAI page gives terra's own multiplier, and
 * the cost cap needs an upper bound, so the higher of the two is used until one does.
 */
const PATCHES_GPT6_MINI_TIER: PatchRule = { ...PATCHES_GPT6, multiplier: 1.62 };

/** gpt-4.1-mini / gpt-5-mini and friends: the documented 1,536-patch rule. */
const patchesLegacy = (multiplier: number): PatchRule => ({
  kind: "patches",
  patchSize: 32,
  maxPatches: 1536,
  multiplier,
  originalMaxPatches: null,
  lowMaxPatches: null,
  autoDetail: "high",
});

const textPrices = (input: number, cachedInput: number, output: number, why: string): TextTokenPrices => ({
  input,
  cachedInput,
  output,
  ...estimated(why),
});

const VISION_MODEL_DEFAULTS = {
  aliases: [],
  acceptsImages: true,
  structuredOutputs: true,
  retirement: null,
} as const satisfies Partial<VisionModelSpec>;

/** GPT-6.x: every effort from none to max; medium when none is sent (FACTS.md, 2026-11-29). */
const REASONING_GPT6: ReasoningCapability = { efforts: REASONING_EFFORTS, apiDefault: "medium" };
/** gpt-5 and gpt-5-mini: minimal to high; medium when none is sent. */
const REASONING_GPT5: ReasoningCapability = { efforts: ["minimal", "low", "medium", "high"], apiDefault: "medium" };

const GPT4_SHUTDOWN: IsoDate = "2027-01-14";

export const VISION_MODELS: readonly VisionModelSpec[] = [
  {
    ...VISION_MODEL_DEFAULTS,
    id: "gpt-6.1-terra",
    reasoning: REASONING_GPT6,
    summary: "Fast, inexpensive GPT-6.1 model; images and structured outputs.",
    maxOutputTokens: 128_000,
    imageTokens: PATCHES_GPT6_MINI_TIER,
    prices: {
      ...textPrices(1, 0.05, 5, "as reported from OpenAI's page by the LiteLLM blog and apidog, 2026-10-26"),
      longContext: { aboveInputTokens: 272_000, inputMultiplier: 2, outputMultiplier: 1.5 },
    },
  },
  {
    ...VISION_MODEL_DEFAULTS,
    id: "gpt-6.1-sol",
    reasoning: REASONING_GPT6,
    summary: "Stronger GPT-6.1 model; images and structured outputs.",
    maxOutputTokens: 128_000,
    imageTokens: PATCHES_GPT6,
    prices: textPrices(2, 0.1, 10, "as reported by the LiteLLM blog and third-party usage meters"),
  },
  {
    ...VISION_MODEL_DEFAULTS,
    id: "gpt-6-astra",
    reasoning: REASONING_GPT6,
    summary: "OpenAI's most capable GPT-6 model; images and structured outputs.",
    maxOutputTokens: 128_000,
    imageTokens: PATCHES_GPT6,
    prices: textPrices(10, 1, 50, "as reported by third-party usage meters and resellers, 2026-09"),
  },
  {
    ...VISION_MODEL_DEFAULTS,
    id: "gpt-6-luna",
    reasoning: REASONING_GPT6,
    summary: "Small, fast GPT-6 model; images and structured outputs.",
    imageInputNote:
      "image input as listed by API gateways (OpenRouter, Comfy Router), not yet on OpenAI's own model page; token rule assumed from the GPT-6 family",
    maxOutputTokens: 128_000,
    imageTokens: PATCHES_GPT6,
    prices: textPrices(0.1, 0.01, 0.5, "resellers list $0.10 in / $0.50 out; cached input guessed at 10%"),
  },
  {
    ...VISION_MODEL_DEFAULTS,
    id: "gpt-5",
    reasoning: REASONING_GPT5,
    aliases: ["gpt-5-2025-08-07"],
    summary: "GPT-5 (shutting down).",
    maxOutputTokens: 128_000,
    // GPT-5's tile constants per vision-squeezer's docs ("GPT-5/5.1 high detail: 70 base + 140 per tile").
    imageTokens: { ...TILES_85_170, baseTokens: 70, tileTokens: 140 },
    prices: textPrices(1.25, 0.125, 10, "OpenAI's published rates as last seen, 2025"),
    retirement: { shutdownDate: "2026-12-11", replacements: ["gpt-6.1-sol"] },
  },
  {
    ...VISION_MODEL_DEFAULTS,
    id: "gpt-5-mini",
    reasoning: REASONING_GPT5,
    aliases: ["gpt-5-mini-2025-08-07"],
    summary: "GPT-5 mini (shutting down).",
    maxOutputTokens: 128_000,
    imageTokens: patchesLegacy(1.62),
    prices: textPrices(0.25, 0.025, 2, "OpenAI's published rates as last seen, 2025"),
    retirement: { shutdownDate: "2026-12-11", replacements: ["gpt-6.1-terra"] },
  },
  {
    ...VISION_MODEL_DEFAULTS,
    id: "gpt-4.1",
    reasoning: null,
    aliases: ["gpt-4.1-2025-04-14"],
    summary: "GPT-4.1 (shutting down).",
    maxOutputTokens: 32_768,
    imageTokens: TILES_85_170,
    prices: textPrices(2, 0.5, 8, "OpenAI's published rates as last seen, 2025"),
    retirement: { shutdownDate: GPT4_SHUTDOWN, replacements: ["gpt-6.1-sol"] },
  },
  {
    ...VISION_MODEL_DEFAULTS,
    id: "gpt-4.1-mini",
    reasoning: null,
    aliases: ["gpt-4.1-mini-2025-04-14"],
    summary: "GPT-4.1 mini (shutting down).",
    maxOutputTokens: 32_768,
    imageTokens: patchesLegacy(1.62),
    prices: textPrices(0.4, 0.1, 1.6, "OpenAI's published rates as last seen, 2025"),
    retirement: { shutdownDate: GPT4_SHUTDOWN, replacements: ["gpt-6.1-terra"] },
  },
  {
    ...VISION_MODEL_DEFAULTS,
    id: "gpt-4.1-nano",
    reasoning: null,
    aliases: ["gpt-4.1-nano-2025-04-14"],
    summary: "GPT-4.1 nano (shut down).",
    maxOutputTokens: 32_768,
    imageTokens: patchesLegacy(2.46),
    prices: textPrices(0.1, 0.025, 0.4, "OpenAI's published rates as last seen, 2025"),
    // The SDK's shared.ts lists gpt-4.1-nano with the 2026-10-23 group, not the 4.1 family's date.
    retirement: { shutdownDate: "2026-10-23", replacements: ["gpt-6.1-terra"] },
  },
  {
    ...VISION_MODEL_DEFAULTS,
    id: "gpt-4o",
    reasoning: null,
    aliases: ["gpt-4o-2024-11-20", "gpt-4o-2024-08-06"],
    summary: "GPT-4o (shutting down).",
    maxOutputTokens: 16_384,
    imageTokens: TILES_85_170,
    prices: textPrices(2.5, 1.25, 10, "OpenAI's published rates as last seen, 2025"),
    retirement: { shutdownDate: GPT4_SHUTDOWN, replacements: ["gpt-6.1-sol"] },
  },
  {
    ...VISION_MODEL_DEFAULTS,
    id: "gpt-4o-mini",
    reasoning: null,
    aliases: ["gpt-4o-mini-2024-07-18"],
    summary: "GPT-4o mini (shutting down).",
    maxOutputTokens: 16_384,
    // gpt-4o-mini bills images at ~33× the tokens to keep the per-image price of gpt-4o.
    imageTokens: { ...TILES_85_170, baseTokens: 2833, tileTokens: 5667 },
    prices: textPrices(0.15, 0.075, 0.6, "OpenAI's published rates as last seen, 2025"),
    retirement: { shutdownDate: GPT4_SHUTDOWN, replacements: ["gpt-6.1-terra"] },
  },
];

export const DEFAULT_IMAGE_MODEL = "gpt-image-2";
export const DEFAULT_VISION_MODEL = "gpt-6.1-terra";

// ---------------------------------------------------------------------------------------------
// Lookups

const byIdOrAlias = <T extends { id: string; aliases: readonly string[] }>(models: readonly T[], id: string) =>
  models.find((model) => model.id === id || model.aliases.includes(id));

/** The entry for an image model id or dated snapshot, retired or not. */
export function imageModel(id: string): ImageModelSpec | undefined {
  return byIdOrAlias(IMAGE_MODELS, id);
}

/** The entry for a Responses model id or dated snapshot, retired or not, vision-capable or not. */
export function visionModel(id: string): VisionModelSpec | undefined {
  return byIdOrAlias(VISION_MODELS, id);
}

export function isShutDown(model: { retirement: Retirement | null }, now: Date): boolean {
  return model.retirement !== null && now.getTime() >= Date.parse(`${model.retirement.shutdownDate}T00:00:00Z`);
}

/** Image models that still answer on `now` (the first is the default), optionally only those with a feature. */
export function currentImageModelIds(now: Date, where: (model: ImageModelSpec) => boolean = () => true): string[] {
  return IMAGE_MODELS.filter((model) => where(model) && !isShutDown(model, now)).map((model) => model.id);
}

/** Responses models that still answer on `now` and take images. */
export function currentVisionModelIds(now: Date): string[] {
  return VISION_MODELS.filter((model) => model.acceptsImages && !isShutDown(model, now)).map((model) => model.id);
}

/** "a", "a or b", "a, b or c". */
export const orList = (items: readonly string[]) =>
  items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;

function retiredMessage(id: string, retirement: Retirement): string {
  return `Model "${id}" was shut down by OpenAI on ${retirement.shutdownDate}; use ${orList(retirement.replacements)} instead.`;
}

/** A warning for a model that still works but has a shutdown date ahead; undefined otherwise. */
export function shutdownNotice(model: { id: string; retirement: Retirement | null }, now: Date): string | undefined {
  if (!model.retirement || isShutDown(model, now)) return undefined;
  return `${model.id} shuts down on ${model.retirement.shutdownDate}; switch to ${orList(model.retirement.replacements)}.`;
}

const unknownImageModel = (id: string, now: Date) =>
  new ToolError(`model: unknown image model "${id}". Allowed: ${currentImageModelIds(now).join(", ")}.`, "invalid_input");

const unknownVisionModel = (id: string, now: Date) =>
  new ToolError(`model: unknown vision model "${id}". Allowed: ${currentVisionModelIds(now).join(", ")}.`, "invalid_input");

function blindVisionModel(model: VisionModelSpec, id: string, now: Date): ToolError {
  const why = model.imageInputNote ?? `${id} does not take images`;
  return new ToolError(
    `model: "${id}" cannot analyse images (${why}). Use one of: ${currentVisionModelIds(now).join(", ")}.`,
    "unsupported",
  );
}

/** The image model to use, or a ToolError naming the choices (unknown) or the replacement (shut down). */
export function requireImageModel(id: string, now: Date): ImageModelSpec {
  const model = imageModel(id);
  if (!model) throw unknownImageModel(id, now);
  if (model.retirement && isShutDown(model, now)) {
    throw new ToolError(retiredMessage(id, model.retirement), "unsupported");
  }
  return model;
}

/** The vision model to use, or a ToolError: unknown, shut down, or not taking images. */
export function requireVisionModel(id: string, now: Date): VisionModelSpec {
  const model = visionModel(id);
  if (!model) throw unknownVisionModel(id, now);
  if (model.retirement && isShutDown(model, now)) {
    throw new ToolError(retiredMessage(id, model.retirement), "unsupported");
  }
  if (!model.acceptsImages) throw blindVisionModel(model, id, now);
  return model;
}

/**
 * What makes an id wrong as a default on any date (unknown, or a vision model that takes no
 * images): a deploy mistake. A shutdown date is not one; the default just stops answering then.
 */
export function defaultModelMistake(kind: "image" | "vision", id: string, now: Date): ToolError | undefined {
  if (kind === "image") return imageModel(id) ? undefined : unknownImageModel(id, now);
  const model = visionModel(id);
  if (!model) return unknownVisionModel(id, now);
  return model.acceptsImages ? undefined : blindVisionModel(model, id, now);
}

// ---------------------------------------------------------------------------------------------
// Image token estimates for quotes and budgets (before a call; the bill comes from the usage)

/**
 * Image output tokens per image at 1024×1024, by quality, scaled by pixel count for other sizes.
 * low/medium/high are OpenAI's published GPT Image table (272 / 1,056 / 4,160 at 1024²; 1024×1536
 * high 6,240); xhigh and max have no published figure, so they are bounded at 1.5× and 2× high.
 * An estimate: correct it here when OpenAI publishes the 2.x figures.
 */
export const IMAGE_OUTPUT_TOKENS_1024: Readonly<Record<Exclude<ImageQuality, "auto">, number>> = {
  low: 272,
  medium: 1056,
  high: 4160,
  xhigh: 6240,
  max: 8320,
};

/** OpenAI's streaming docs: each partial image costs 100 more image output tokens. */
export const PARTIAL_IMAGE_OUTPUT_TOKENS = 100;

/**
 * Input tokens an image costs an edit: the 512 px tile rule (fit in 2048², short side to 512,
 * 65 + 129 per tile), as OpenAI documents for image inputs. An estimate for the 2.x models.
 */
export const EDIT_INPUT_IMAGE_TOKENS: TileRule = {
  kind: "tiles",
  tileSize: 512,
  baseTokens: 65,
  tileTokens: 129,
  shortSideTarget: 512,
  maxLongSide: 2048,
  lowDetailSide: 512,
};
