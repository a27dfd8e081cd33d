/**
 * The compiled scene: what tessellation produces and what the GLB writer, the quality
 * report and the preview renderer consume. Plain typed arrays, no library types, so each
 * stage can be tested on tiny fixtures.
 *
 * Conventions (glTF and Khronos asset guidelines): metres, +Y up, the model's front faces
 * +Z, counter-clockwise front faces, positions already in model space (every transform,
 * operator and attachment applied), origin placed per the spec's `origin` option.
 */

/** A PBR metallic-roughness material, resolved from the spec (defaults filled in). */
export interface SceneMaterial {
  name: string;
  /** Linear RGBA, each 0–1 (glTF `baseColorFactor`). */
  baseColor: [number, number, number, number];
  metallic: number;
  roughness: number;
  /** Linear RGB, each 0–1 (glTF `emissiveFactor`). */
  emissive: [number, number, number];
  /** KHR_materials_emissive_strength; 1 when not boosted. */
  emissiveStrength: number;
  alphaMode: "OPAQUE" | "BLEND" | "MASK";
  doubleSided: boolean;
}

/** Indexed triangles of one material within one part. */
export interface MeshChunk {
  /** Key into `Scene.materials`. */
  material: string;
  /** xyz per vertex, model space, metres. */
  positions: Float32Array;
  /** Unit normals per vertex. */
  normals: Float32Array;
  /** uv per vertex. */
  uvs: Float32Array;
  /** Three indices per triangle, counter-clockwise seen from the front. */
  indices: Uint32Array;
}

/** A simple collider for a part (a node named `<id>-colonly` in the GLB, Godot's convention). */
export type SceneCollider =
  | { shape: "box"; center: [number, number, number]; size: [number, number, number] }
  | { shape: "hull"; positions: Float32Array; indices: Uint32Array };

/** One named part of the spec: a glTF node named by its id. */
export interface ScenePart {
  id: string;
  /** Path from the root for messages, e.g. `chest/lid/handle`. */
  path: string;
  /** Parent part id, or null at the root (the node hierarchy follows the spec's tree). */
  parent: string | null;
  chunks: MeshChunk[];
  collider?: SceneCollider;
}

export interface Bounds {
  min: [number, number, number];
  max: [number, number, number];
}

/** A level of detail: the same parts tessellated again with fewer segments. */
export interface SceneLod {
  /** Fraction of the full detail asked for, e.g. 0.5. */
  ratio: number;
  parts: ScenePart[];
}

export interface Scene {
  parts: ScenePart[];
  materials: Map<string, SceneMaterial>;
  lods: SceneLod[];
  bounds: Bounds;
}
