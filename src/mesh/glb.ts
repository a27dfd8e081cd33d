/**
 * Scene → GLB bytes with `@gltf-transform/core`. One node per part named by its id, the node
 * tree following the spec's tree, one mesh per part with a primitive per material, materials
 * by name, no lights and no cameras.
 *
 * Levels of detail go into extra glTF scenes, one per level ("LOD1 50%", …), with nodes named
 * `<id>_LOD1`, `<id>_LOD2`…: the default scene stays the full model, so every viewer (three.js,
 * Blender's default scene, Godot, Unity's glTFast) shows it once instead of drawing all levels
 * on top of each other, while the `_LODn` suffix is the name Unity's LOD-group import and most
 * pipelines look for. Colliders are child nodes named `<id>-colonly` (Godot turns them into a
 * collision shape and hides the mesh).
 */
import { Document, type Accessor, WebIO, type Material, type Node } from "@gltf-transform/core";
import { KHRMaterialsEmissiveStrength } from "@gltf-transform/extensions";
import { defaultMaterial } from "./materials";
import type { MeshChunk, Scene, SceneCollider, SceneMaterial, ScenePart } from "./scene";

/** Suffix of collider node names: Godot's import hint for "collision shape only". */
export const COLLIDER_SUFFIX = "-colonly";

export const lodNodeName = (id: string, level: number): string => `${id}_LOD${level}`;
export const colliderNodeName = (id: string): string => `${id}${COLLIDER_SUFFIX}`;
export const lodSceneName = (level: number, ratio: number): string => `LOD${level} ${Math.round(ratio * 100)}%`;

/** Writes the scene as one self-contained GLB (one binary buffer). */
export async function writeGlb(scene: Scene): Promise<Uint8Array> {
  const doc = new Document();
  doc.getRoot().getAsset().generator = "mcp-multimodal mesh compiler";
  const writer = new SceneWriter(doc, scene.materials);

  const main = doc.createScene("model");
  for (const root of writer.addParts(scene.parts, (part) => part.id, true)) main.addChild(root);
  doc.getRoot().setDefaultScene(main);

  scene.lods.forEach((lod, i) => {
    const level = i + 1;
    const lodScene = doc.createScene(lodSceneName(level, lod.ratio));
    for (const root of writer.addParts(lod.parts, (part) => lodNodeName(part.id, level), false)) lodScene.addChild(root);
  });

  return new WebIO().registerExtensions([KHRMaterialsEmissiveStrength]).writeBinary(doc);
}

class SceneWriter {
  private readonly buffer;
  private readonly made = new Map<string, Material>();
  private emissiveStrength: KHRMaterialsEmissiveStrength | undefined;

  constructor(
    private readonly doc: Document,
    private readonly materials: Map<string, SceneMaterial>,
  ) {
    this.buffer = doc.createBuffer();
  }

  /** Nodes for a list of parts, parented as the parts say; returns the roots (parents not in the list count as none). */
  addParts(parts: ScenePart[], nameOf: (part: ScenePart) => string, withColliders: boolean): Node[] {
    const nodes = new Map<string, Node>();
    for (const part of parts) {
      const node = this.doc.createNode(nameOf(part));
      const mesh = this.meshOf(part.chunks, nameOf(part));
      if (mesh) node.setMesh(mesh);
      if (withColliders && part.collider) node.addChild(this.colliderNode(part.id, part.collider));
      nodes.set(part.id, node);
    }
    const roots: Node[] = [];
    for (const part of parts) {
      const node = nodes.get(part.id)!;
      const parent = part.parent === null ? undefined : nodes.get(part.parent);
      if (parent && parent !== node) parent.addChild(node);
      else roots.push(node);
    }
    return roots;
  }

  private meshOf(chunks: MeshChunk[], name: string) {
    const filled = chunks.filter((chunk) => chunk.indices.length > 0);
    if (filled.length === 0) return undefined;
    const mesh = this.doc.createMesh(name);
    for (const chunk of filled) {
      const primitive = this.doc
        .createPrimitive()
        .setAttribute("POSITION", this.accessor(chunk.positions, "VEC3"))
        .setAttribute("NORMAL", this.accessor(chunk.normals, "VEC3"))
        .setAttribute("TEXCOORD_0", this.accessor(chunk.uvs, "VEC2"))
        .setIndices(this.indices(chunk.indices, chunk.positions.length / 3))
        .setMaterial(this.material(chunk.material));
      mesh.addPrimitive(primitive);
    }
    return mesh;
  }

  private colliderNode(id: string, collider: SceneCollider): Node {
    const { positions, indices } = collider.shape === "box" ? boxTriangles(collider.center, collider.size) : collider;
    const primitive = this.doc
      .createPrimitive()
      .setAttribute("POSITION", this.accessor(positions, "VEC3"))
      .setIndices(this.indices(indices, positions.length / 3));
    const mesh = this.doc.createMesh(colliderNodeName(id)).addPrimitive(primitive);
    return this.doc.createNode(colliderNodeName(id)).setMesh(mesh);
  }

  private accessor(array: Float32Array, type: "VEC2" | "VEC3"): Accessor {
    return this.doc.createAccessor().setType(type).setArray(array).setBuffer(this.buffer);
  }

  /** 16-bit indices when the vertices allow: half the index bytes, and what every viewer reads fastest. */
  private indices(indices: Uint32Array, vertexCount: number): Accessor {
    const array = vertexCount <= 0xffff ? Uint16Array.from(indices) : indices;
    return this.doc.createAccessor().setType("SCALAR").setArray(array).setBuffer(this.buffer);
  }

  /** Materials are written once each, on first use, so the GLB holds no unused material. */
  private material(name: string): Material {
    const existing = this.made.get(name);
    if (existing) return existing;
    // A chunk naming a material the scene lacks gets the spec's default material rather than none.
    const spec = this.materials.get(name) ?? { ...defaultMaterial(), name };
    const material = this.doc
      .createMaterial(spec.name)
      .setBaseColorFactor([...spec.baseColor])
      .setMetallicFactor(spec.metallic)
      .setRoughnessFactor(spec.roughness)
      .setEmissiveFactor([...spec.emissive])
      .setAlphaMode(spec.alphaMode)
      .setDoubleSided(spec.doubleSided);
    if (spec.emissiveStrength > 1) {
      this.emissiveStrength ??= this.doc.createExtension(KHRMaterialsEmissiveStrength);
      material.setExtension(
        "KHR_materials_emissive_strength",
        this.emissiveStrength.createEmissiveStrength().setEmissiveStrength(spec.emissiveStrength),
      );
    }
    this.made.set(name, material);
    return material;
  }
}

/** The 12 outward-facing triangles of an axis-aligned box (a box collider as a mesh). */
export function boxTriangles(
  center: readonly [number, number, number],
  size: readonly [number, number, number],
): { positions: Float32Array; indices: Uint32Array } {
  const [cx, cy, cz] = center;
  const [hx, hy, hz] = [size[0] / 2, size[1] / 2, size[2] / 2];
  const positions = new Float32Array(24);
  for (let i = 0; i < 8; i++) {
    positions[i * 3] = cx + (i & 1 ? hx : -hx);
    positions[i * 3 + 1] = cy + (i & 2 ? hy : -hy);
    positions[i * 3 + 2] = cz + (i & 4 ? hz : -hz);
  }
  // Corner i has bit 0 = +x, bit 1 = +y, bit 2 = +z; each face counter-clockwise seen from outside.
  const faces = [
    [1, 3, 7, 5], // +x
    [0, 4, 6, 2], // -x
    [2, 6, 7, 3], // +y
    [0, 1, 5, 4], // -y
    [4, 5, 7, 6], // +z
    [0, 2, 3, 1], // -z
  ];
  const indices = new Uint32Array(36);
  faces.forEach(([a, b, c, d], f) => indices.set([a!, b!, c!, a!, c!, d!], f * 6));
  return { positions, indices };
}
