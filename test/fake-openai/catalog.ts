// The models the fake knows, as of 2026-11-24 (see /work/shared/FACTS.md, "OpenAI").
// Shut-down models are absent from GET /v1/models and refused with 404, as the real API does.

export type ImageTokenRule =
  /** 512 px tiles after fitting 2048² and a 768 px short side: base + perTile × tiles. */
  | { kind: "tiles"; base: number; perTile: number }
  /** 32 px patches, capped (10,000 for detail "original"), times a multiplier. */
  | { kind: "patches"; cap: number; multiplier: number };

export interface ImageModelInfo {
  id: string;
  kind: "image";
  /** Custom WxH sizes (multiples of 16, 1:3–3:1, ≤ 3840x2160) are allowed. */
  customSizes: boolean;
  /** quality "xhigh" and "max" are allowed. */
  extendedQuality: boolean;
  /** 1.x models take `input_fidelity`; 2.x models refuse it. */
  inputFidelity: boolean;
  /** 2.x models take `complexity`; the 1.x models refuse it. */
  complexity: boolean;
  shutdownDate: string | null;
  created: number;
}

export type Effort = "none" | "minimal" | "low" | "medium" | "high" | "xhigh" | "max";

export interface TextModelInfo {
  id: string;
  kind: "text";
  imageTokens: ImageTokenRule;
  /** Efforts taken; null: the model refuses any `reasoning` parameter (gpt-4o, gpt-4.1). Unset means medium. */
  reasoning: readonly Effort[] | null;
  /** The most `max_output_tokens` may be. */
  maxOutputTokens: number;
  /** Takes `detail: "original"` (the GPT-6 family). */
  originalDetail: boolean;
  shutdownDate: string | null;
  created: number;
}

export type ModelInfo = ImageModelInfo | TextModelInfo;

function imageModel(
  id: string,
  created: number,
  options: { customSizes: boolean; extendedQuality?: boolean; inputFidelity?: boolean; shutdownDate?: string },
): ImageModelInfo {
  return {
    id,
    kind: "image",
    created,
    customSizes: options.customSizes,
    extendedQuality: options.extendedQuality ?? false,
    inputFidelity: options.inputFidelity ?? false,
    complexity: !(options.inputFidelity ?? false),
    shutdownDate: options.shutdownDate ?? null,
  };
}

const GPT6_EFFORTS: readonly Effort[] = ["none", "minimal", "low", "medium", "high", "xhigh", "max"];
const GPT5_EFFORTS: readonly Effort[] = ["minimal", "low", "medium", "high"];

function textModel(
  id: string,
  created: number,
  imageTokens: ImageTokenRule,
  options: { reasoning: readonly Effort[] | null; maxOutputTokens?: number; shutdownDate?: string },
): TextModelInfo {
  return {
    id,
    kind: "text",
    created,
    imageTokens,
    reasoning: options.reasoning,
    maxOutputTokens: options.maxOutputTokens ?? 128_000,
    originalDetail: options.reasoning === GPT6_EFFORTS,
    shutdownDate: options.shutdownDate ?? null,
  };
}

const TILES_4O: ImageTokenRule = { kind: "tiles", base: 85, perTile: 170 };
const TILES_GPT5: ImageTokenRule = { kind: "tiles", base: 70, perTile: 140 };
const patches = (multiplier: number): ImageTokenRule => ({ kind: "patches", cap: 1536, multiplier });

const GPT_IMAGE_1_SHUTDOWN = "2026-12-01";
const GPT_5_SHUTDOWN = "2026-12-11";
const GPT_4_SHUTDOWN = "2027-01-14";

export const AVAILABLE_MODELS: readonly ModelInfo[] = [
  imageModel("gpt-image-2", 1776729600, { customSizes: true }),
  imageModel("gpt-image-2-2026-04-21", 1776729600, { customSizes: true }),
  imageModel("gpt-image-2.5-flare", 1788825600, { customSizes: true, extendedQuality: true }),
  imageModel("gpt-image-2.5-flare-2026-09-08", 1788825600, { customSizes: true, extendedQuality: true }),
  imageModel("gpt-image-2.5-sunburst", 1788825600, { customSizes: true, extendedQuality: true }),
  imageModel("gpt-image-2.5-sunburst-2026-09-08", 1788825600, { customSizes: true, extendedQuality: true }),
  imageModel("gpt-image-2.6-flare", 1792540800, { customSizes: false }),
  imageModel("gpt-image-2.6-sunburst", 1792540800, { customSizes: false }),
  imageModel("gpt-image-1.5", 1763596800, { customSizes: false, inputFidelity: true, shutdownDate: GPT_IMAGE_1_SHUTDOWN }),
  imageModel("gpt-image-1-mini", 1759363200, { customSizes: false, inputFidelity: true, shutdownDate: GPT_IMAGE_1_SHUTDOWN }),
  imageModel("chatgpt-image-latest", 1763596800, { customSizes: false, inputFidelity: true, shutdownDate: GPT_IMAGE_1_SHUTDOWN }),
  textModel("gpt-6.1-sol", 1790000000, patches(1.2), { reasoning: GPT6_EFFORTS }),
  textModel("gpt-6.1-terra", 1790000000, patches(1.62), { reasoning: GPT6_EFFORTS }),
  textModel("gpt-6-astra", 1782000000, patches(1.2), { reasoning: GPT6_EFFORTS }),
  textModel("gpt-6-luna", 1782000000, patches(2.46), { reasoning: GPT6_EFFORTS }),
  textModel("gpt-5", 1754438400, TILES_GPT5, { reasoning: GPT5_EFFORTS, shutdownDate: GPT_5_SHUTDOWN }),
  textModel("gpt-5-mini", 1754438400, patches(1.62), { reasoning: GPT5_EFFORTS, shutdownDate: GPT_5_SHUTDOWN }),
  textModel("gpt-5-nano", 1754438400, patches(2.46), { reasoning: GPT5_EFFORTS, shutdownDate: GPT_5_SHUTDOWN }),
  textModel("gpt-4.1", 1744316542, TILES_4O, { reasoning: null, maxOutputTokens: 32_768, shutdownDate: GPT_4_SHUTDOWN }),
  textModel("gpt-4.1-mini", 1744318173, patches(1.62), { reasoning: null, maxOutputTokens: 32_768, shutdownDate: GPT_4_SHUTDOWN }),
  textModel("gpt-4.1-nano", 1744321707, patches(2.46), { reasoning: null, maxOutputTokens: 32_768, shutdownDate: GPT_4_SHUTDOWN }),
  textModel("gpt-4o", 1715367049, TILES_4O, { reasoning: null, maxOutputTokens: 16_384, shutdownDate: GPT_4_SHUTDOWN }),
  textModel(
    "gpt-4o-mini",
    1721172741,
    { kind: "tiles", base: 2833, perTile: 5667 },
    {
      reasoning: null,
      maxOutputTokens: 16_384,
      shutdownDate: GPT_4_SHUTDOWN,
    },
  ),
];

/** Models that existed but are gone; requests naming them are refused. */
export const SHUT_DOWN_MODELS: Readonly<Record<string, string>> = {
  "dall-e-2": "2026-05-12",
  "dall-e-3": "2026-05-12",
  "gpt-image-1": "2026-10-23",
};

const BY_ID = new Map(AVAILABLE_MODELS.map((m) => [m.id, m]));

export function findModel(id: string): ModelInfo | undefined {
  return BY_ID.get(id);
}

/** The date a model stopped answering, if it has by `today` (YYYY-MM-DD): the fixed list, then each model's own date. */
export function shutdownDateOf(id: string, today: string): string | undefined {
  const fixed = SHUT_DOWN_MODELS[id];
  if (fixed) return fixed;
  const date = BY_ID.get(id)?.shutdownDate;
  return date && date <= today ? date : undefined;
}

/** Models that still answer on `today`. */
export function availableModels(today: string): ModelInfo[] {
  return AVAILABLE_MODELS.filter((model) => model.shutdownDate === null || model.shutdownDate > today);
}
