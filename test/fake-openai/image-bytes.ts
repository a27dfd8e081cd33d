// Real image bytes for the fake: a solid background with a centred "subject" rectangle, colours
// derived from a seed (prompt, input image hash, index), so different prompts give different
// bytes and the same prompt gives the same bytes. Encoded by sharp in the requested format.

import { createHash } from "node:crypto";
import sharp from "sharp";

export type RasterFormat = "png" | "jpeg" | "webp" | "gif";

export interface RenderSpec {
  width: number;
  height: number;
  format: RasterFormat;
  /** Transparent background (alpha 0 around an opaque subject). */
  transparent: boolean;
  /** OpenAI's output_compression (0–100, 100 = least compression); jpeg and webp only. */
  compression?: number;
  seed: string;
  /** 0..1: how much of the subject is drawn. Partial images use < 1; the final image uses 1. */
  progress: number;
  /** GIF only. */
  frameCount?: number;
  frameDurationMs?: number;
}

interface Rgb {
  r: number;
  g: number;
  b: number;
}

export function coloursFromSeed(seed: string): { background: Rgb; subject: Rgb } {
  const digest = createHash("sha256").update(seed).digest();
  const background = { r: digest[0] ?? 0, g: digest[1] ?? 0, b: digest[2] ?? 0 };
  let subject = { r: digest[3] ?? 0, g: digest[4] ?? 0, b: digest[5] ?? 0 };
  const distance = Math.abs(subject.r - background.r) + Math.abs(subject.g - background.g) + Math.abs(subject.b - background.b);
  // Keep the subject visible against the background.
  if (distance < 96) subject = { r: 255 - background.r, g: 255 - background.g, b: 255 - background.b };
  return { background, subject };
}

export function hexColour(colour: Rgb): string {
  return `#${[colour.r, colour.g, colour.b].map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

function pixel(colour: Rgb, alpha: number, channels: 3 | 4): number[] {
  return channels === 4 ? [colour.r, colour.g, colour.b, alpha] : [colour.r, colour.g, colour.b];
}

/**
 * Raw pixels: background everywhere, the subject as a centred rectangle (half the width, up to
 * half the height). Filled row by row from two templates: about 3× faster than sharp compositing.
 */
function drawFrames(spec: RenderSpec, frames: number, channels: 3 | 4): Buffer {
  const { width, height } = spec;
  const { background, subject } = coloursFromSeed(spec.seed);
  const backgroundPixel = pixel(background, spec.transparent ? 0 : 255, channels);
  const subjectPixel = pixel(subject, 255, channels);
  const rowBytes = width * channels;
  const emptyRow = Buffer.alloc(rowBytes);
  for (let x = 0; x < width; x++) emptyRow.set(backgroundPixel, x * channels);

  const pixels = Buffer.alloc(rowBytes * height * frames);
  const subjectTop = Math.round(height / 4);
  const subjectHeight = Math.round((height / 2) * Math.min(1, Math.max(0, spec.progress)));
  for (let frame = 0; frame < frames; frame++) {
    // Animated GIFs move the subject a little on each frame.
    const shift = frames > 1 ? Math.round((frame / (frames - 1) - 0.5) * (width / 4)) : 0;
    const left = Math.round(width / 4) + shift;
    const subjectRow = Buffer.from(emptyRow);
    for (let x = left; x < left + Math.round(width / 2); x++) subjectRow.set(subjectPixel, x * channels);
    for (let y = 0; y < height; y++) {
      const inside = y >= subjectTop && y < subjectTop + subjectHeight;
      (inside ? subjectRow : emptyRow).copy(pixels, (frame * height + y) * rowBytes);
    }
  }
  return pixels;
}

async function encode(spec: RenderSpec): Promise<Buffer> {
  const frames = spec.format === "gif" ? Math.max(1, spec.frameCount ?? 1) : 1;
  // Opaque results carry no alpha channel, like the real API's opaque images.
  const channels = spec.transparent ? 4 : 3;
  const composed = sharp(drawFrames(spec, frames, channels), {
    raw: { width: spec.width, height: spec.height * frames, channels, ...(frames > 1 ? { pageHeight: spec.height } : {}) },
  });
  const quality = Math.min(100, Math.max(1, spec.compression ?? 100));
  switch (spec.format) {
    case "png":
      return composed.png({ compressionLevel: 6 }).toBuffer();
    case "jpeg":
      return composed.jpeg({ quality }).toBuffer();
    case "webp":
      return composed.webp({ quality, alphaQuality: 100, effort: 0 }).toBuffer();
    case "gif": {
      const delay = Math.round((spec.frameDurationMs ?? 200) / 10) * 10;
      return composed.gif({ delay: Array.from({ length: frames }, () => delay), loop: 0, effort: 1 }).toBuffer();
    }
  }
}

// Load tests repeat prompts; a small cache of in-flight and finished encodes keeps them cheap.
const CACHE_LIMIT = 64;
const cache = new Map<string, Promise<Buffer>>();

export function renderImage(spec: RenderSpec): Promise<Buffer> {
  const key = JSON.stringify(spec);
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const pending = encode(spec);
  cache.set(key, pending);
  pending.catch(() => cache.delete(key));
  while (cache.size > CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
  return pending;
}

/** A tiny, valid SVG document standing in for `output_format: "svg"`. */
export function renderSvg(width: number, height: number, seed: string, transparent: boolean): Buffer {
  const { background, subject } = coloursFromSeed(seed);
  const backdrop = transparent ? "" : `<rect width="${width}" height="${height}" fill="${hexColour(background)}"/>`;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `${backdrop}<rect x="${width / 4}" y="${height / 4}" width="${width / 2}" height="${height / 2}" fill="${hexColour(subject)}"/></svg>`;
  return Buffer.from(svg, "utf8");
}

export interface ProbedImage {
  width: number;
  height: number;
  /** sharp's name: "png", "jpeg", "webp", "gif", ... */
  format: string;
  hasAlpha: boolean;
}

/** Decodes the header only; null when the bytes are not an image sharp can read. */
export async function probeImage(bytes: Uint8Array): Promise<ProbedImage | null> {
  try {
    const meta = await sharp(bytes).metadata();
    if (!meta.width || !meta.height) return null;
    return { width: meta.width, height: meta.height, format: meta.format, hasAlpha: meta.hasAlpha };
  } catch {
    return null;
  }
}

/** The most common colour, so a fake vision answer can prove which image it was given. */
export async function dominantColour(bytes: Uint8Array): Promise<string | null> {
  try {
    const { dominant } = await sharp(bytes).stats();
    return hexColour(dominant);
  } catch {
    return null;
  }
}
