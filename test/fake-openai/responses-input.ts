// Reads a Responses API `input` (a string, or message items with input_text / input_image
// parts), validating it the way the real API does and measuring what a model would see.

import { ApiError, invalidEnumValue, invalidType, invalidValue, missingParameter } from "./errors.ts";
import { dominantColour, probeImage } from "./image-bytes.ts";
import type { ImageDetail } from "./vision-tokens.ts";

export interface SeenImage {
  source: "data_url" | "url" | "file_id";
  detail: ImageDetail;
  /** Decoded size for data URLs; remote images (not fetched) are assumed 1024x1024. */
  width: number;
  height: number;
  format: string | null;
  dominantColour: string | null;
  /** URL or file id for remote images. */
  reference: string | null;
}

export interface ReadInput {
  texts: string[];
  images: SeenImage[];
}

const ROLES = ["user", "assistant", "system", "developer"] as const;
const ITEM_TYPES = ["message", "function_call", "function_call_output", "reasoning", "item_reference"] as const;
const PART_TYPES = ["input_text", "input_image", "input_file", "output_text", "refusal"] as const;
const DETAILS: readonly ImageDetail[] = ["low", "high", "auto", "original"];
const IMAGE_MIME_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"];
const MAX_IMAGES = 500;
const MAX_IMAGE_PAYLOAD_BYTES = 50 * 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalidImageData(): ApiError {
  return new ApiError(400, {
    message:
      "The image data you provided does not represent a valid image. Please check your input and try again with one " +
      "of the supported image formats: ['image/jpeg', 'image/png', 'image/gif', 'image/webp'].",
    type: "invalid_request_error",
    param: null,
    code: "invalid_image_format",
  });
}

interface PayloadBudget {
  bytes: number;
}

async function readImageUrl(url: string, param: string, detail: ImageDetail, budget: PayloadBudget): Promise<SeenImage> {
  if (url.startsWith("data:")) {
    const match = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(url);
    const mime = match?.[1]?.toLowerCase() ?? "";
    if (!match || !IMAGE_MIME_TYPES.includes(mime) || !(match[2] ?? "").includes(";base64")) {
      throw invalidValue(
        param,
        `Invalid '${param}'. Expected a base64-encoded data URL with an image MIME type ` +
          `(e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got unsupported MIME type '${mime}'.`,
      );
    }
    const base64 = match[3] ?? "";
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) throw invalidImageData();
    const bytes = Buffer.from(base64, "base64");
    budget.bytes += bytes.byteLength;
    if (budget.bytes > MAX_IMAGE_PAYLOAD_BYTES) {
      throw invalidValue("input", "Total image payload exceeds the limit of 50 MB per request.");
    }
    const probed = await probeImage(bytes);
    if (!probed) throw invalidImageData();
    return {
      source: "data_url",
      detail,
      width: probed.width,
      height: probed.height,
      format: probed.format,
      dominantColour: await dominantColour(bytes),
      reference: null,
    };
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) {
    throw invalidValue(param, `Invalid '${param}'. Expected a valid URL, but got a value with an invalid format.`);
  }
  return { source: "url", detail, width: 1024, height: 1024, format: null, dominantColour: null, reference: url };
}

async function readPart(part: unknown, param: string, read: ReadInput, budget: PayloadBudget): Promise<void> {
  if (!isRecord(part)) throw invalidType(param, "an object", part);
  const type = part["type"];
  if (typeof type !== "string") throw missingParameter(`${param}.type`);
  if (!(PART_TYPES as readonly string[]).includes(type)) throw invalidEnumValue(`${param}.type`, type, PART_TYPES);
  if (type === "input_text" || type === "output_text") {
    const text = part["text"];
    if (typeof text !== "string")
      throw text === undefined ? missingParameter(`${param}.text`) : invalidType(`${param}.text`, "a string", text);
    read.texts.push(text);
    return;
  }
  if (type !== "input_image") return;

  if (read.images.length >= MAX_IMAGES) throw invalidValue("input", `Too many images: the limit is ${MAX_IMAGES} per request.`);
  const rawDetail = part["detail"] ?? "auto";
  if (typeof rawDetail !== "string" || !(DETAILS as readonly string[]).includes(rawDetail)) {
    throw invalidEnumValue(`${param}.detail`, rawDetail, DETAILS);
  }
  const detail = rawDetail as ImageDetail;
  const imageUrl = part["image_url"];
  const fileId = part["file_id"];
  if (typeof imageUrl === "string") {
    read.images.push(await readImageUrl(imageUrl, `${param}.image_url`, detail, budget));
  } else if (typeof fileId === "string") {
    read.images.push({ source: "file_id", detail, width: 1024, height: 1024, format: null, dominantColour: null, reference: fileId });
  } else {
    throw missingParameter(`${param}.image_url`);
  }
}

async function readItem(item: unknown, param: string, read: ReadInput, budget: PayloadBudget): Promise<void> {
  if (!isRecord(item)) throw invalidType(param, "an object", item);
  const type = item["type"] ?? "message";
  if (typeof type !== "string" || !(ITEM_TYPES as readonly string[]).includes(type)) {
    throw invalidEnumValue(`${param}.type`, type, ITEM_TYPES);
  }
  if (type !== "message") return;
  const role = item["role"];
  if (role === undefined) throw missingParameter(`${param}.role`);
  if (typeof role !== "string" || !(ROLES as readonly string[]).includes(role)) {
    throw invalidEnumValue(`${param}.role`, role, ROLES);
  }
  const content = item["content"];
  if (typeof content === "string") {
    read.texts.push(content);
    return;
  }
  if (!Array.isArray(content)) {
    throw content === undefined ? missingParameter(`${param}.content`) : invalidType(`${param}.content`, "an array or a string", content);
  }
  for (const [index, part] of content.entries()) {
    await readPart(part, `${param}.content[${index}]`, read, budget);
  }
}

export async function readResponsesInput(input: unknown): Promise<ReadInput> {
  const read: ReadInput = { texts: [], images: [] };
  if (typeof input === "string") {
    read.texts.push(input);
    return read;
  }
  if (!Array.isArray(input)) throw invalidType("input", "an array or a string", input);
  const budget: PayloadBudget = { bytes: 0 };
  for (const [index, item] of input.entries()) {
    await readItem(item, `input[${index}]`, read, budget);
  }
  return read;
}
