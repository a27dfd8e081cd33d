// The specs the 3D benchmark compiles; plain data, so tests can import them too.

/** A treasure chest of about 5k triangles: rounded body and lid, iron bands, studs, a lock, handles. */
export const CHEST_SPEC = {
  name: "treasure chest",
  materials: [
    { name: "wood", color: "#8b5a2b", roughness: 0.8 },
    { name: "iron", color: "#50555c", metallic: 1, roughness: 0.45 },
    { name: "gold", color: "#d4a017", metallic: 1, roughness: 0.3 },
  ],
  parts: [
    { id: "body", parent: null, shape: { type: "rounded_box", size: [0.9, 0.5, 0.55], radius: 0.02, segments: 4 }, material: "wood" },
    {
      id: "lid",
      parent: "body",
      shape: { type: "cylinder", radius: 0.275, height: 0.9, segments: 48 },
      material: "wood",
      rotation: [0, 0, 90],
      attach: { to: "body", side: "top", offset: [0, -0.14, 0] },
    },
    {
      id: "band",
      parent: "body",
      shape: { type: "box", size: [0.04, 0.52, 0.57] },
      material: "iron",
      position: [-0.3, 0, 0],
      array: { kind: "linear", count: 3, offset: [0.3, 0, 0] },
    },
    {
      id: "stud",
      parent: "body",
      shape: { type: "sphere", radius: 0.012, segments: 12 },
      material: "gold",
      position: [-0.42, -0.2, 0.28],
      array: { kind: "linear", count: 12, offset: [0.076, 0, 0] },
    },
    {
      id: "lock",
      parent: "body",
      shape: { type: "rounded_box", size: [0.1, 0.12, 0.03], radius: 0.01 },
      material: "gold",
      attach: { to: "body", side: "front", offset: [0, 0.15, 0] },
    },
    {
      id: "handle",
      parent: "body",
      shape: { type: "torus", radius: 0.05, tube: 0.01, segments: 24 },
      material: "iron",
      rotation: [0, 90, 0],
      attach: { to: "body", side: "right" },
      mirror: ["x"],
    },
  ],
};

/** About 100k triangles: a grid of finely segmented spheres and columns. */
export const HEAVY_SPEC = {
  name: "sphere field",
  materials: [{ name: "stone", color: "#9a9a90" }],
  parts: [
    { id: "base", parent: null, shape: { type: "box", size: [3.2, 0.1, 3.2] }, material: "stone" },
    {
      id: "row",
      parent: "base",
      shape: { type: "box", size: [3, 0.02, 0.1] },
      material: "stone",
      position: [0, 0.06, -1.2],
      array: { kind: "linear", count: 5, offset: [0, 0, 0.6] },
    },
    {
      id: "ball",
      parent: "row",
      shape: { type: "sphere", radius: 0.2, segments: 64 },
      material: "stone",
      position: [-1.2, 0.2, 0],
      array: { kind: "linear", count: 5, offset: [0.6, 0, 0] },
    },
  ],
  options: { triangle_budget: 200_000 },
};
