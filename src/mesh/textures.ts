/**
 * Embeds a base-colour texture per material into a compiled GLB. The compiler's UVs span 0–1
 * across each face (or around each curve), so a seamless texture is repeated in proportion
 * to the primitive's size: one tile every TEXTURE_TILE_METRES, so a plank and a table top
 * show wood grain at the same scale. The base colour factor becomes white (keeping opacity):
 * the texture carries the colour, and a factor would only darken it.
 */
import { WebIO, type Material } from "@gltf-transform/core";
import { KHRMaterialsEmissiveStrength } from "@gltf-transform/extensions";

/** How many metres one repeat of a texture covers. */
export const TEXTURE_TILE_METRES = 0.5;

export interface MaterialTexture {
  material: string;
  bytes: Uint8Array;
  mime: "image/png" | "image/jpeg";
}

/** The repeat count for a primitive whose largest side is `extent` metres: at least one tile. */
export function tileRepeat(extent: number): number {
  return Math.max(1, Math.round(extent / TEXTURE_TILE_METRES));
}

export async function embedTextures(glb: Uint8Array, textures: MaterialTexture[]): Promise<Uint8Array> {
  const io = new WebIO().registerExtensions([KHRMaterialsEmissiveStrength]);
  const doc = await io.readBinary(glb);
  const root = doc.getRoot();
  const byName = new Map(textures.map((t) => [t.material, t]));
  const textured = new Set<Material>();
  for (const material of root.listMaterials()) {
    const texture = byName.get(material.getName());
    if (!texture) continue;
    const image = doc.createTexture(texture.material).setImage(texture.bytes).setMimeType(texture.mime);
    const alpha = material.getBaseColorFactor()[3] ?? 1;
    material.setBaseColorTexture(image).setBaseColorFactor([1, 1, 1, alpha]);
    textured.add(material);
  }
  for (const mesh of root.listMeshes()) {
    for (const primitive of mesh.listPrimitives()) {
      const material = primitive.getMaterial();
      const positions = primitive.getAttribute("POSITION");
      const uvs = primitive.getAttribute("TEXCOORD_0");
      if (!material || !textured.has(material) || !positions || !uvs) continue;
      const min = positions.getMin([]);
      const max = positions.getMax([]);
      const repeat = tileRepeat(Math.max(...max.map((v, i) => v - (min[i] ?? 0))));
      const array = uvs.getArray();
      if (repeat === 1 || !array) continue;
      uvs.setArray(Float32Array.from(array as Float32Array, (v) => v * repeat));
    }
  }
  return io.writeBinary(doc);
}
