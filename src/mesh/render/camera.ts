/**
 * The six preview cameras. Each frames the scene's bounding sphere at the same scale, so sizes
 * compare across views. Conventions follow the scene (+Y up, the model's front faces +Z) and
 * Blender's named views: `front` looks from +Z towards −Z, `right` from +X, `left` from −X,
 * `top` from +Y with the model's front at the bottom of the picture.
 */

export type Vec3 = [number, number, number];

export const VIEW_NAMES = ["front", "back", "left", "right", "top", "three_quarter"] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

/** A sphere enclosing every drawable vertex. */
export interface BoundingSphere {
  center: Vec3;
  radius: number;
}

export interface Camera {
  eye: Vec3;
  /** Unit axes of camera space: x to the right, y up, z along the view (depth grows away from the eye). */
  right: Vec3;
  up: Vec3;
  forward: Vec3;
  /** tan(half the field of view); the picture is square, so it holds both ways. */
  tanHalfFov: number;
  /** Depth of the near plane; geometry nearer than this is clipped away. */
  near: number;
}

/** Vertical and horizontal field of view: narrow enough that boxes keep their shape. */
const FOV_DEGREES = 30;
/** Room around the bounding sphere's outline, as a fraction of the camera distance. */
const MARGIN = 1.06;
const THREE_QUARTER_AZIMUTH_DEGREES = 40;
const THREE_QUARTER_ELEVATION_DEGREES = 28;

/** Unit direction from the scene's centre to the eye, and the world direction that is up in the picture. */
function viewDirection(view: ViewName): { toEye: Vec3; upHint: Vec3 } {
  switch (view) {
    case "front":
      return { toEye: [0, 0, 1], upHint: [0, 1, 0] };
    case "back":
      return { toEye: [0, 0, -1], upHint: [0, 1, 0] };
    case "left":
      return { toEye: [-1, 0, 0], upHint: [0, 1, 0] };
    case "right":
      return { toEye: [1, 0, 0], upHint: [0, 1, 0] };
    case "top":
      return { toEye: [0, 1, 0], upHint: [0, 0, -1] };
    case "three_quarter": {
      const azimuth = (THREE_QUARTER_AZIMUTH_DEGREES * Math.PI) / 180;
      const elevation = (THREE_QUARTER_ELEVATION_DEGREES * Math.PI) / 180;
      const flat = Math.cos(elevation);
      return { toEye: [flat * Math.sin(azimuth), Math.sin(elevation), flat * Math.cos(azimuth)], upHint: [0, 1, 0] };
    }
    default:
      throw new Error(`unknown view "${String(view)}": use one of ${VIEW_NAMES.join(", ")}`);
  }
}

export function frameCamera(sphere: BoundingSphere, view: ViewName): Camera {
  const { toEye, upHint } = viewDirection(view);
  const halfFov = (FOV_DEGREES * Math.PI) / 360;
  // The distance at which the sphere just touches the edges of the view cone, plus a margin.
  const distance = (sphere.radius / Math.sin(halfFov)) * MARGIN;
  const eye: Vec3 = [
    sphere.center[0] + toEye[0] * distance,
    sphere.center[1] + toEye[1] * distance,
    sphere.center[2] + toEye[2] * distance,
  ];
  const forward: Vec3 = [-toEye[0], -toEye[1], -toEye[2]];
  const right = normalize(cross(forward, upHint));
  const up = cross(right, forward);
  return { eye, right, up, forward, tanHalfFov: Math.tan(halfFov), near: (distance - sphere.radius) * 0.5 };
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function normalize(v: Vec3): Vec3 {
  const length = Math.hypot(v[0], v[1], v[2]);
  return length > 0 ? [v[0] / length, v[1] / length, v[2] / length] : [0, 0, 0];
}
