/**
 * The preview renderer: a small software rasterizer that turns a compiled `Scene` into one
 * picture per view, or the labelled six-view montage used as a model's preview.
 */
export { VIEW_NAMES, type ViewName } from "./camera";
export type { RgbaImage } from "./color";
export { DEFAULT_TILE, MAX_TILE, MIN_TILE, type MontageOptions, renderMontage } from "./montage";
export { MAX_VIEW_SIZE, MIN_VIEW_SIZE, renderView } from "./view";
