// Checks of the files an image edit uploads: `image` / `image[]` (up to 16 png, webp or jpeg
// files, each < 50 MB), an optional PNG `mask` (< 4 MB, the first image's size) and `markup`.

import type { ImageJob } from "./image-params.ts";
import { arrayTooLong, invalidFile, invalidValue, missingParameter, unknownParameter } from "./errors.ts";
import type { UploadedFile } from "./multipart.ts";
import { probeImage, type ProbedImage } from "./image-bytes.ts";

export interface EditInput extends ProbedImage {
  sha256: string;
  byteLength: number;
}

export interface EditInputs {
  images: EditInput[];
  mask: EditInput | undefined;
  markup: EditInput | undefined;
}

const MAX_IMAGES = 16;
const MAX_IMAGE_BYTES = 50 * 1024 * 1024;
const MAX_MASK_BYTES = 4 * 1024 * 1024;
const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"];
const FILE_FIELDS = new Set(["image", "image[]", "mask", "markup"]);

async function checkFile(
  file: UploadedFile,
  param: string,
  position: number,
  allowedTypes: readonly string[],
  maxBytes: number,
): Promise<EditInput> {
  if (!allowedTypes.includes(file.contentType)) {
    const supported = allowedTypes
      .map((t) => `'${t}'`)
      .join(", ")
      .replace(/, ([^,]*)$/, ", and $1");
    throw invalidFile(
      param,
      `Invalid file '${param}': unsupported mimetype ('${file.contentType || "application/octet-stream"}'). ` +
        `Supported file formats are ${supported}.`,
      "unsupported_file_mimetype",
    );
  }
  if (file.bytes.byteLength > maxBytes) {
    throw invalidFile(param, `Invalid file '${param}': file too large. Maximum size is ${maxBytes / 1024 / 1024} MB.`, "file_too_large");
  }
  const probed = await probeImage(file.bytes);
  const declared = file.contentType.replace("image/", "");
  if (!probed || probed.format !== declared) {
    throw invalidFile(param, `Invalid image file or mode for ${param} ${position}, please check your image file.`, "invalid_image_file");
  }
  return { ...probed, sha256: file.sha256, byteLength: file.bytes.byteLength };
}

export async function checkEditInputs(files: UploadedFile[], job: ImageJob): Promise<EditInputs> {
  for (const file of files) {
    if (!FILE_FIELDS.has(file.field)) throw unknownParameter(file.field);
  }
  const imageFiles = files.filter((f) => f.field === "image" || f.field === "image[]");
  if (imageFiles.length === 0) throw missingParameter("image");
  if (imageFiles.length > MAX_IMAGES) throw arrayTooLong("image", MAX_IMAGES, imageFiles.length);
  const images = await Promise.all(imageFiles.map((file, index) => checkFile(file, "image", index + 1, IMAGE_TYPES, MAX_IMAGE_BYTES)));
  const first = images[0];
  if (!first) throw missingParameter("image");

  const maskFile = files.find((f) => f.field === "mask");
  const markupFile = files.find((f) => f.field === "markup");
  if (maskFile && markupFile) throw invalidValue("markup", "'markup' cannot be combined with 'mask'.");

  let mask: EditInput | undefined;
  if (maskFile) {
    mask = await checkFile(maskFile, "mask", 1, ["image/png"], MAX_MASK_BYTES);
    if (mask.width !== first.width || mask.height !== first.height) {
      throw invalidValue("mask", "Invalid mask image format - mask size does not match image size");
    }
    if (!mask.hasAlpha) {
      throw invalidValue("mask", "Invalid mask image format - mask must have an alpha channel");
    }
  }
  let markup: EditInput | undefined;
  if (markupFile) {
    if (!job.model.id.startsWith("gpt-image-2.5")) {
      throw invalidValue("markup", `'markup' is not supported for model '${job.model.id}'.`);
    }
    markup = await checkFile(markupFile, "markup", 1, ["image/png"], MAX_IMAGE_BYTES);
    if (markup.width !== first.width || markup.height !== first.height) {
      throw invalidValue("markup", "Invalid markup image - markup size does not match image size");
    }
  }
  return { images, mask, markup };
}
