/** Sent to clients at initialization: how the tools fit together, in a few lines a model reads once. */
export const SERVER_INSTRUCTIONS = [
  "Generates and edits images and analyses images through OpenAI; every result is stored under the SHA-256 of its bytes.",
  'Results carry an asset id, a small preview, a resource link (asset://…) and a signed download URL; ask for return: "full" only when you need the bytes.',
  "Identical requests are answered from the cache at no cost (cached: true); pass fresh: true to pay for a new result.",
  "Pass earlier results to edit_image or analyze_image by asset id rather than re-uploading them.",
  "3D: create_3d_model designs a GLB from a description (a paid job of a minute or two), edit_3d_model changes one by instruction, build_3d_model compiles a spec you write (free).",
].join(" ");
