/**
 * The few 4×4 affine matrix operations the scene builder needs (column-major, like glTF
 * and three.js), on plain arrays so nothing pulls in three's core maths.
 */
export type Vec3 = [number, number, number];
export type Mat4 = number[];

export const identity = (): Mat4 => [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

export function multiply(a: Mat4, b: Mat4): Mat4 {
  const out = new Array<number>(16);
  for (let col = 0; col < 4; col++) {
    for (let row = 0; row < 4; row++) {
      let sum = 0;
      for (let k = 0; k < 4; k++) sum += a[k * 4 + row]! * b[col * 4 + k]!;
      out[col * 4 + row] = sum;
    }
  }
  return out;
}

export const translation = ([x, y, z]: Vec3): Mat4 => [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, x, y, z, 1];

export const scaling = ([x, y, z]: Vec3): Mat4 => [x, 0, 0, 0, 0, y, 0, 0, 0, 0, z, 0, 0, 0, 0, 1];

/** Rotation about one axis by `radians`, right-handed. */
export function rotationAbout(axis: "x" | "y" | "z", radians: number): Mat4 {
  const c = Math.cos(radians);
  const s = Math.sin(radians);
  if (axis === "x") return [1, 0, 0, 0, 0, c, s, 0, 0, -s, c, 0, 0, 0, 0, 1];
  if (axis === "y") return [c, 0, -s, 0, 0, 1, 0, 0, s, 0, c, 0, 0, 0, 0, 1];
  return [c, s, 0, 0, -s, c, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
}

/** Euler angles in degrees, applied x then y then z (three.js "XYZ" order: R = Rx·Ry·Rz). */
export function rotationFromDegrees([x, y, z]: Vec3): Mat4 {
  const toRad = Math.PI / 180;
  return multiply(multiply(rotationAbout("x", x * toRad), rotationAbout("y", y * toRad)), rotationAbout("z", z * toRad));
}

export function transformPoint(m: Mat4, x: number, y: number, z: number): Vec3 {
  return [
    m[0]! * x + m[4]! * y + m[8]! * z + m[12]!,
    m[1]! * x + m[5]! * y + m[9]! * z + m[13]!,
    m[2]! * x + m[6]! * y + m[10]! * z + m[14]!,
  ];
}

/** Determinant of the linear part: negative means the transform mirrors (flip winding). */
export function determinant3(m: Mat4): number {
  return m[0]! * (m[5]! * m[10]! - m[9]! * m[6]!) - m[4]! * (m[1]! * m[10]! - m[9]! * m[2]!) + m[8]! * (m[1]! * m[6]! - m[5]! * m[2]!);
}

/** Inverse-transpose of the linear part, as a 3×3 column-major array: transforms normals. */
export function normalMatrix(m: Mat4): number[] {
  const [a, b, c, , d, e, f, , g, h, i] = m as [number, number, number, number, number, number, number, number, number, number, number];
  const det = determinant3(m);
  // Cofactor matrix / det = inverse transpose.
  return [
    (e * i - f * h) / det,
    (f * g - d * i) / det,
    (d * h - e * g) / det,
    (c * h - b * i) / det,
    (a * i - c * g) / det,
    (b * g - a * h) / det,
    (b * f - c * e) / det,
    (c * d - a * f) / det,
    (a * e - b * d) / det,
  ];
}

/** Inverse of the linear part applied to a vector (for turning a world shift into a parent-space one). */
export function solveLinear(m: Mat4, v: Vec3): Vec3 {
  const n = normalMatrix(m); // columns of the inverse transpose = rows of the inverse
  return [
    n[0]! * v[0] + n[1]! * v[1] + n[2]! * v[2],
    n[3]! * v[0] + n[4]! * v[1] + n[5]! * v[2],
    n[6]! * v[0] + n[7]! * v[1] + n[8]! * v[2],
  ];
}
