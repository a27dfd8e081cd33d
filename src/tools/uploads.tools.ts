import { z } from "zod";
import { ToolError } from "../errors";
import { defineTool } from "../mcp/definitions";
import { ownerOf } from "../store/owners";
import { createUploadToken, UPLOAD_MIME_TYPES, UPLOAD_TTL_SECONDS, uploadPath } from "../http/upload-tickets";

/** Any file name a user's disk may have, bounded; it is only recorded and shown, never used as a path. */
const MAX_FILENAME_LENGTH = 255;

export const createUpload = defineTool({
  name: "create_upload",
  title: "Create an upload link",
  description:
    "Gives a signed, single-use link to upload an image file from the user's computer (this remote server cannot read local paths, and base64 arguments are capped at a few MB and fill the context). Run the returned `curl` command (or PUT the file's bytes to `url` with its Content-Type) within 10 minutes; the answer is JSON with the asset id, which then works in every tool that takes an image. Give the exact file size in bytes (e.g. from `wc -c` or `stat`); the link accepts at most that many.",
  input: z.object({
    filename: z
      .string()
      .trim()
      .min(1, "filename: give the file's name, e.g. sprite.png")
      .max(MAX_FILENAME_LENGTH, `filename: at most ${MAX_FILENAME_LENGTH} characters`)
      .describe("The file's name or path on the user's computer, used in the curl command and recorded."),
    mime_type: z.enum(UPLOAD_MIME_TYPES).describe("The file's type; the uploaded bytes must be this type."),
    bytes: z.number().int().min(1, "bytes: the file's size must be at least 1 byte").describe("The file's exact size in bytes."),
  }),
  output: z.object({
    upload: z.object({
      url: z.string().describe("PUT the file's bytes here."),
      method: z.literal("PUT"),
      expires_at: z.string().describe("The link stops working at this time (10 minutes)."),
      max_bytes: z.number().int().describe("The most bytes the link accepts: the declared size."),
      content_type: z.string().describe("Send this Content-Type."),
      curl: z.string().describe("A ready command that uploads the file; run it where the file is."),
    }),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(args, { services }) {
    const { config } = services;
    if (args.bytes > config.maxUploadBytes) {
      throw new ToolError(
        `bytes: ${args.bytes} is over the upload limit of ${config.maxUploadBytes} bytes (MAX_UPLOAD_BYTES): downscale or compress the file first.`,
      );
    }
    const expires = Math.floor(config.clock().getTime() / 1000) + UPLOAD_TTL_SECONDS;
    const { token } = await createUploadToken(
      { exp: expires, max: args.bytes, mime: args.mime_type, name: args.filename, owner: ownerOf(services.caller) },
      config.signingKey,
    );
    const url = new URL(uploadPath(token), services.baseUrl).toString();
    const expiresAt = new Date(expires * 1000).toISOString();
    const curl = `curl --fail-with-body -X PUT -H ${shellQuote(`Content-Type: ${args.mime_type}`)} --data-binary @${shellQuote(args.filename)} ${shellQuote(url)}`;
    return {
      structured: {
        upload: { url, method: "PUT" as const, expires_at: expiresAt, max_bytes: args.bytes, content_type: args.mime_type, curl },
      },
      summary: `Upload link for ${args.filename} (${args.mime_type}, up to ${args.bytes} bytes), single use, valid until ${expiresAt}. Run: ${curl}`,
    };
  },
});

/** Single-quoted for POSIX shells: a quote inside becomes '\'' */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
