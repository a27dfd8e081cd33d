/**
 * The preview montage: the six views in a 3×2 grid (front, back, left on top; right, top,
 * three-quarter below), each labelled in its top-left corner, thin grid lines between tiles.
 */
import type { Scene } from "../scene";
import { VIEW_NAMES, type ViewName } from "./camera";
import { BACKGROUND_SRGB, GRID_SRGB, LABEL_SRGB, type RgbaImage } from "./color";
import { drawText, textSize } from "./font";
import { prepareScene } from "./prepare";
import { checkSize, renderPreparedView, Workspace } from "./view";

export const MONTAGE_COLUMNS = 3;
export const MONTAGE_ROWS = 2;
/** Tile side by default: 1008×672 in all, inside the 1024 px the preview may use. */
export const DEFAULT_TILE = 336;
export const MIN_TILE = 48;
export const MAX_TILE = Math.floor(1024 / MONTAGE_COLUMNS);
/** Label margin from the tile's corner, and the plate's padding around the letters. */
const LABEL_MARGIN = 4;
const LABEL_PADDING = 3;

export interface MontageOptions {
  /** Side of each square view in pixels (MIN_TILE to MAX_TILE). */
  tile?: number;
}

/** Where each view sits: its label and its tile's top-left corner. */
export interface MontageTile {
  view: ViewName;
  label: string;
  left: number;
  top: number;
}

export function montageLabel(view: ViewName): string {
  return view.replace("_", "-");
}

/** Letters twice as big once tiles have the room. */
export function labelScale(tile: number): number {
  return tile >= 200 ? 2 : 1;
}

export function montageLayout(tile: number): MontageTile[] {
  return VIEW_NAMES.map((view, index) => ({
    view,
    label: montageLabel(view),
    left: (index % MONTAGE_COLUMNS) * tile,
    top: Math.floor(index / MONTAGE_COLUMNS) * tile,
  }));
}

/** Where a tile's label text starts, relative to the tile. */
export const LABEL_OFFSET = LABEL_MARGIN + LABEL_PADDING;

export function renderMontage(scene: Scene, options: MontageOptions = {}): RgbaImage {
  const tile = options.tile ?? DEFAULT_TILE;
  checkSize("tile", tile, MIN_TILE, MAX_TILE);
  const prepared = prepareScene(scene);
  const workspace = new Workspace();
  const montage: RgbaImage = {
    width: tile * MONTAGE_COLUMNS,
    height: tile * MONTAGE_ROWS,
    rgba: new Uint8Array(tile * MONTAGE_COLUMNS * tile * MONTAGE_ROWS * 4),
  };
  const scale = labelScale(tile);
  for (const { view, label, left, top } of montageLayout(tile)) {
    const picture = renderPreparedView(prepared, view, tile, workspace);
    blit(montage, picture, left, top);
    const text = textSize(label, scale);
    fillRect(
      montage,
      left + LABEL_MARGIN,
      top + LABEL_MARGIN,
      text.width + 2 * LABEL_PADDING,
      text.height + 2 * LABEL_PADDING,
      BACKGROUND_SRGB,
    );
    drawText(montage, label, left + LABEL_OFFSET, top + LABEL_OFFSET, scale, LABEL_SRGB);
  }
  for (let column = 1; column < MONTAGE_COLUMNS; column++) fillRect(montage, column * tile, 0, 1, montage.height, GRID_SRGB);
  for (let row = 1; row < MONTAGE_ROWS; row++) fillRect(montage, 0, row * tile, montage.width, 1, GRID_SRGB);
  return montage;
}

function blit(target: RgbaImage, source: RgbaImage, left: number, top: number): void {
  const rowBytes = source.width * 4;
  for (let y = 0; y < source.height; y++) {
    const from = y * rowBytes;
    target.rgba.set(source.rgba.subarray(from, from + rowBytes), ((top + y) * target.width + left) * 4);
  }
}

function fillRect(image: RgbaImage, left: number, top: number, width: number, height: number, color: readonly number[]): void {
  for (let y = top; y < top + height; y++) {
    for (let x = left; x < left + width; x++) {
      const o = (y * image.width + x) * 4;
      image.rgba[o] = color[0]!;
      image.rgba[o + 1] = color[1]!;
      image.rgba[o + 2] = color[2]!;
      image.rgba[o + 3] = 255;
    }
  }
}
