// Input tokens for an `input_image` part, by the model's rule in catalog.ts. The rules mirror
// the shapes OpenAI documents (tiles for older models, patches for newer ones); the constants
// are the fake's own and only need to be deterministic.

import type { ImageTokenRule } from "./catalog.ts";

export type ImageDetail = "low" | "high" | "auto" | "original";

const ORIGINAL_PATCH_CAP = 10_000;

function tileTokens(rule: { base: number; perTile: number }, width: number, height: number, detail: ImageDetail): number {
  if (detail === "low") return rule.base;
  let w = width;
  let h = height;
  const fit = Math.min(1, 2048 / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shrink = Math.min(1, 768 / Math.min(w, h));
  w *= shrink;
  h *= shrink;
  return rule.base + rule.perTile * Math.ceil(w / 512) * Math.ceil(h / 512);
}

function patchTokens(rule: { cap: number; multiplier: number }, width: number, height: number, detail: ImageDetail): number {
  // "low" looks at a 512 px rendition; "original" lifts the cap to 10,000 patches.
  const lowFit = detail === "low" ? Math.min(1, 512 / Math.max(width, height)) : 1;
  let w = width * lowFit;
  let h = height * lowFit;
  const cap = detail === "original" ? ORIGINAL_PATCH_CAP : rule.cap;
  let patches = Math.ceil(w / 32) * Math.ceil(h / 32);
  if (patches > cap) {
    const scale = Math.sqrt((cap * 32 * 32) / (w * h));
    w *= scale;
    h *= scale;
    patches = Math.min(cap, Math.ceil(w / 32) * Math.ceil(h / 32));
  }
  return Math.ceil(patches * rule.multiplier);
}

export function visionImageTokens(rule: ImageTokenRule, width: number, height: number, detail: ImageDetail): number {
  return rule.kind === "tiles" ? tileTokens(rule, width, height, detail) : patchTokens(rule, width, height, detail);
}
