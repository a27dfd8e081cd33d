// multipart/form-data parsing, delegated to the platform's own parser (undici's
// Request.formData) so the fake reads exactly what a standards-compliant server would.

import { createHash } from "node:crypto";
import { invalidRequestBody } from "./errors.ts";

export interface UploadedFile {
  field: string;
  filename: string;
  /** The part's Content-Type as sent ("" when the part had none). */
  contentType: string;
  bytes: Uint8Array;
  sha256: string;
}

export interface MultipartBody {
  /** Text fields; a repeated field keeps its last value. */
  fields: Record<string, string>;
  files: UploadedFile[];
}

export async function parseMultipart(body: Buffer, contentType: string): Promise<MultipartBody> {
  let form: FormData;
  try {
    form = await new Request("http://fake.invalid/", {
      method: "POST",
      headers: { "content-type": contentType },
      body: new Uint8Array(body),
    }).formData();
  } catch {
    throw invalidRequestBody("Could not parse multipart form data. Check the boundary and part headers.");
  }
  const fields: Record<string, string> = {};
  const files: UploadedFile[] = [];
  for (const [field, value] of form.entries()) {
    if (typeof value === "string") {
      fields[field] = value;
      continue;
    }
    const bytes = new Uint8Array(await value.arrayBuffer());
    files.push({
      field,
      filename: value.name,
      contentType: value.type,
      bytes,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    });
  }
  return { fields, files };
}
