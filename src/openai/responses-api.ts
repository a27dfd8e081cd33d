import type OpenAI from "openai";
import type { ResponseInputContent } from "openai/resources/responses/responses";
import { toBase64 } from "../encoding";
import { ToolError } from "../errors";
import type { ImageDetail } from "./catalog";
import type { TextUsage } from "./cost";
import { callOpenAI } from "./errors";

export interface VisionImage {
  bytes: Uint8Array;
  mime: string;
}

export interface VisionRequest {
  model: string;
  instructions: string;
  question: string;
  images: VisionImage[];
  detail: ImageDetail;
  maxOutputTokens: number;
  /** A JSON Schema (object) the answer must follow, through structured outputs. */
  schema?: { name: string; schema: Record<string, unknown>; strict: boolean };
  /** Who is asking, as a pseudonym, for OpenAI's abuse monitoring. */
  safetyIdentifier: string | null;
}

export interface VisionAnswer {
  text: string;
  usage?: TextUsage;
  status: string;
  incompleteReason?: string;
}

/** Asks a vision model about images through the Responses API; images travel inline as data URLs. */
export async function askAboutImages(client: OpenAI, request: VisionRequest, signal: AbortSignal): Promise<VisionAnswer> {
  const content: ResponseInputContent[] = [
    { type: "input_text", text: request.question },
    ...request.images.map((image): ResponseInputContent => ({
      type: "input_image",
      image_url: `data:${image.mime};base64,${toBase64(image.bytes)}`,
      detail: request.detail,
    })),
  ];
  const response = await callOpenAI(() =>
    client.responses.create(
      {
        model: request.model,
        instructions: request.instructions,
        input: [{ type: "message", role: "user", content }],
        max_output_tokens: request.maxOutputTokens,
        store: false,
        ...(request.safetyIdentifier ? { safety_identifier: request.safetyIdentifier } : {}),
        ...(request.schema
          ? {
              text: {
                format: {
                  type: "json_schema" as const,
                  name: request.schema.name,
                  schema: request.schema.schema,
                  strict: request.schema.strict,
                },
              },
            }
          : {}),
      },
      { signal },
    ),
  );
  const refusal = response.output.flatMap((item) => (item.type === "message" ? item.content : [])).find((part) => part.type === "refusal");
  if (refusal && refusal.type === "refusal") {
    throw new ToolError(`The model declined to answer: ${refusal.refusal}`, "moderation_blocked");
  }
  return {
    text: response.output_text,
    usage: response.usage ?? undefined,
    status: response.status ?? "completed",
    incompleteReason: response.incomplete_details?.reason ?? undefined,
  };
}
