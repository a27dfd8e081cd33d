/**
 * Spec materials → resolved PBR materials (glTF metallic-roughness, linear colours).
 * Unknown names fall back to a default grey with a warning rather than failing the build.
 */
import type { SceneMaterial } from "./scene";
import type { MaterialSpec } from "./spec";

export const DEFAULT_MATERIAL_NAME = "default";
const DEFAULT_COLOR = "#9a9a9a";
const DEFAULT_ROUGHNESS = 0.6;

/** sRGB 0–255 channel → linear 0–1, as glTF factors expect. */
function srgbToLinear(channel: number): number {
  const c = channel / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

export function hexToLinear(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  const round = (v: number) => Math.round(srgbToLinear(v) * 1e6) / 1e6;
  return [round((value >> 16) & 0xff), round((value >> 8) & 0xff), round(value & 0xff)];
}

export function resolveMaterial(spec: MaterialSpec): SceneMaterial {
  const opacity = spec.opacity ?? 1;
  const [r, g, b] = hexToLinear(spec.color);
  const emissive = spec.emissive ? hexToLinear(spec.emissive) : ([0, 0, 0] as [number, number, number]);
  return {
    name: spec.name,
    baseColor: [r, g, b, opacity],
    metallic: spec.metallic ?? 0,
    roughness: spec.roughness ?? DEFAULT_ROUGHNESS,
    emissive,
    emissiveStrength: spec.emissive ? (spec.emissive_strength ?? 1) : 1,
    alphaMode: opacity < 1 ? "BLEND" : "OPAQUE",
    doubleSided: spec.double_sided ?? false,
  };
}

export const defaultMaterial = (): SceneMaterial =>
  resolveMaterial({
    name: DEFAULT_MATERIAL_NAME,
    color: DEFAULT_COLOR,
    metallic: null,
    roughness: null,
    emissive: null,
    emissive_strength: null,
    opacity: null,
    double_sided: null,
  });

/** Looks up parts' material names: exact first, then ignoring case; warns once per part on a miss. */
export class MaterialLibrary {
  private readonly byName = new Map<string, SceneMaterial>();
  private readonly byLowerName = new Map<string, SceneMaterial>();
  readonly used = new Map<string, SceneMaterial>();

  constructor(specs: MaterialSpec[], warnings: string[]) {
    for (const spec of specs) {
      if (this.byName.has(spec.name)) {
        warnings.push(`material "${spec.name}" is defined twice; the first definition is used.`);
        continue;
      }
      const material = resolveMaterial(spec);
      this.byName.set(spec.name, material);
      if (!this.byLowerName.has(spec.name.toLowerCase())) this.byLowerName.set(spec.name.toLowerCase(), material);
    }
  }

  /** The material a part gets, recording it as used. */
  resolve(name: string | null, partPath: string, warnings: string[]): SceneMaterial {
    let material = name === null ? undefined : (this.byName.get(name) ?? this.byLowerName.get(name.toLowerCase()));
    if (name !== null && material === undefined) {
      warnings.push(`part "${partPath}": material "${name}" is not defined in materials; used the default grey.`);
    }
    material ??= this.byName.get(DEFAULT_MATERIAL_NAME) ?? defaultMaterial();
    this.used.set(material.name, material);
    return material;
  }
}
