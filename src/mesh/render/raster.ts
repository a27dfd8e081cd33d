/**
 * The framebuffer and the triangle filler: edge functions over the triangle's bounding box,
 * a z-buffer of inverse depth (linear in screen space, so it interpolates exactly),
 * perspective-correct colour, and a fill rule that gives pixels on a shared edge to exactly
 * one of the two triangles (no double blending along seams).
 */
import type { Vec3 } from "./camera";

/**
 * A band of rows of the supersampled picture (all of it when it fits the memory budget).
 * Triangles are projected in whole-picture coordinates; the band holds rows
 * `originY` to `originY + height - 1` of them.
 */
export class Framebuffer {
  readonly width: number;
  readonly height: number;
  /** The picture row (in samples) this band's first row shows. */
  originY = 0;
  /** Linear colour per pixel, one plane per channel (so clearing is a native fill). */
  readonly red: Float32Array;
  readonly green: Float32Array;
  readonly blue: Float32Array;
  /** 1 / depth of the nearest opaque surface; 0 where nothing was drawn. */
  readonly inverseDepth: Float32Array;
  /** Id of the opaque triangle seen at each pixel (for outlines); -1 where nothing was drawn. */
  readonly surface: Int32Array;
  /** Rows and columns anything may have been drawn in (inclusive); empty when minX > maxX. */
  readonly touched = { minX: 0, minY: 0, maxX: -1, maxY: -1 };

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.red = new Float32Array(width * height);
    this.green = new Float32Array(width * height);
    this.blue = new Float32Array(width * height);
    this.inverseDepth = new Float32Array(width * height);
    this.surface = new Int32Array(width * height);
  }

  clear(background: Vec3): void {
    this.red.fill(background[0]);
    this.green.fill(background[1]);
    this.blue.fill(background[2]);
    this.inverseDepth.fill(0);
    this.surface.fill(-1);
    Object.assign(this.touched, { minX: this.width, minY: this.height, maxX: -1, maxY: -1 });
  }

  /** Widens the touched rectangle to include the given (already clamped) one. */
  touch(minX: number, minY: number, maxX: number, maxY: number): void {
    const t = this.touched;
    if (minX < t.minX) t.minX = minX;
    if (minY < t.minY) t.minY = minY;
    if (maxX > t.maxX) t.maxX = maxX;
    if (maxY > t.maxY) t.maxY = maxY;
  }
}

/** Floats per screen vertex in a triangle buffer: x, y (pixels), 1/depth, r, g, b (linear). */
export const SCREEN_VERTEX = 6;

/**
 * Fills one triangle given as three screen vertices in `t` (see SCREEN_VERTEX), in either
 * winding. `surfaceId` ≥ 0 draws opaque (depth test and write); -1 blends with `alpha`
 * over what is there, tested against the opaque depth but not writing it.
 */
export function fillTriangle(fb: Framebuffer, t: Float64Array, surfaceId: number, alpha: number): void {
  // Snap corners to a 1/256-pixel grid: edge functions are then exact integers (below 2^53 for
  // any triangle near the picture), so two triangles sharing an edge agree on every pixel.
  const a = 0;
  let b = SCREEN_VERTEX;
  let c = 2 * SCREEN_VERTEX;
  const ax = snap(t[a]!);
  const ay = snap(t[a + 1]!);
  let bx = snap(t[b]!);
  let by = snap(t[b + 1]!);
  let cx = snap(t[c]!);
  let cy = snap(t[c + 1]!);
  let area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  if (!(area !== 0 && Number.isFinite(area))) return; // degenerate, or corners too far out to fill
  if (area < 0) {
    [b, c, bx, by, cx, cy] = [c, b, cx, cy, bx, by];
    area = -area;
  }
  const { width, height } = fb;
  const minX = Math.max(0, Math.ceil((Math.min(ax, bx, cx) - HALF) / SUBPIXELS));
  const maxX = Math.min(width - 1, Math.floor((Math.max(ax, bx, cx) - HALF) / SUBPIXELS));
  const minY = Math.max(0, Math.ceil((Math.min(ay, by, cy) - HALF) / SUBPIXELS));
  const maxY = Math.min(height - 1, Math.floor((Math.max(ay, by, cy) - HALF) / SUBPIXELS));
  if (minX > maxX || minY > maxY) return;
  fb.touch(minX, minY, maxX, maxY);

  // Edge functions: eA is opposite vertex a (its barycentric weight × area), and so on.
  // Stepping one pixel moves SUBPIXELS grid units.
  const eAdx = -(cy - by) * SUBPIXELS;
  const eAdy = cx - bx;
  const eBdx = -(ay - cy) * SUBPIXELS;
  const eBdy = ax - cx;
  const eCdx = -(by - ay) * SUBPIXELS;
  const eCdy = bx - ax;
  const biasA = ownsEdge(bx, by, cx, cy) ? 0 : 1;
  const biasB = ownsEdge(cx, cy, ax, ay) ? 0 : 1;
  const biasC = ownsEdge(ax, ay, bx, by) ? 0 : 1;

  const aw = t[a + 2]!;
  const bw = t[b + 2]!;
  const cw = t[c + 2]!;
  const invArea = 1 / area;
  // Colour × (1/depth), interpolated linearly in screen space, then divided: perspective-correct.
  const ar = t[a + 3]! * aw;
  const ag = t[a + 4]! * aw;
  const ab = t[a + 5]! * aw;
  const br = t[b + 3]! * bw;
  const bg = t[b + 4]! * bw;
  const bb = t[b + 5]! * bw;
  const cr = t[c + 3]! * cw;
  const cg = t[c + 4]! * cw;
  const cb = t[c + 5]! * cw;

  const { red, green, blue, inverseDepth, surface } = fb;
  const opaque = surfaceId >= 0;
  const keep = 1 - alpha;
  const startX = minX * SUBPIXELS + HALF;
  for (let y = minY; y <= maxY; y++) {
    const py = y * SUBPIXELS + HALF;
    let eA = (eAdx / SUBPIXELS) * (startX - bx) + eAdy * (py - by);
    let eB = (eBdx / SUBPIXELS) * (startX - cx) + eBdy * (py - cy);
    let eC = (eCdx / SUBPIXELS) * (startX - ax) + eCdy * (py - ay);
    let pixel = y * width + minX;
    let inside = false;
    for (let x = minX; x <= maxX; x++, pixel++, eA += eAdx, eB += eBdx, eC += eCdx) {
      if (eA >= biasA && eB >= biasB && eC >= biasC) {
        inside = true;
        const w = eA * aw + eB * bw + eC * cw;
        const depth = w * invArea;
        if (depth > inverseDepth[pixel]!) {
          const r = (eA * ar + eB * br + eC * cr) / w;
          const g = (eA * ag + eB * bg + eC * cg) / w;
          const bl = (eA * ab + eB * bb + eC * cb) / w;
          if (opaque) {
            inverseDepth[pixel] = depth;
            surface[pixel] = surfaceId;
            red[pixel] = r;
            green[pixel] = g;
            blue[pixel] = bl;
          } else {
            red[pixel] = red[pixel]! * keep + r * alpha;
            green[pixel] = green[pixel]! * keep + g * alpha;
            blue[pixel] = blue[pixel]! * keep + bl * alpha;
          }
        }
      } else if (inside) {
        break; // a triangle's row is one span: past its right end nothing more is inside
      }
    }
  }
}

const SUBPIXELS = 256;
const HALF = SUBPIXELS / 2;

function snap(value: number): number {
  return Math.round(value * SUBPIXELS);
}

/**
 * Whether pixels exactly on the edge p→q belong to this triangle. The two triangles sharing
 * an edge walk it in opposite directions, so exactly one of them owns it.
 */
function ownsEdge(px: number, py: number, qx: number, qy: number): boolean {
  const dy = qy - py;
  return dy < 0 || (dy === 0 && qx - px > 0);
}
