import OpenAI from "openai";
import type { Response as OpenAIResponse, ResponseInputContent } from "openai/resources/responses/responses";
import { toBase64 } from "../encoding";
import { ToolError } from "../errors";
import type { ImageDetail, ReasoningEffort } from "./catalog";
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
  /** Covers hidden reasoning and the answer on reasoning models. */
  maxOutputTokens: number;
  /** Sent as `reasoning.effort`; null for models that refuse the parameter. */
  reasoningEffort: ReasoningEffort | null;
  /** A JSON Schema (object) the answer must follow, through structured outputs. */
  schema?: { name: string; schema: Record<string, unknown>; strict: boolean };
  /** Who is asking, as a pseudonym, for OpenAI's abuse monitoring. */
  safetyIdentifier: string | null;
}

export interface VisionAnswer {
  text: string;
  usage?: TextUsage;
  /** Set when the answer was cut off by max_output_tokens. */
  cutOff: boolean;
  /** True when OpenAI refused the schema in strict mode and it was sent again non-strict. */
  strictFallback: boolean;
}

function requestId(response: OpenAIResponse & { _request_id?: string | null }): string {
  return response._request_id ? ` (OpenAI request id ${response._request_id})` : "";
}

/** Turns a finished Response into the answer, or a ToolError for each way it can end without one. */
function readAnswer(response: OpenAIResponse & { _request_id?: string | null }, strictFallback: boolean): VisionAnswer {
  const id = requestId(response);
  const refusal = response.output.flatMap((item) => (item.type === "message" ? item.content : [])).find((part) => part.type === "refusal");
  if (refusal && refusal.type === "refusal") {
    throw new ToolError(`The model declined to answer${id}: ${refusal.refusal}`, "moderation_blocked");
  }
  const reason = response.incomplete_details?.reason;
  if (response.status === "incomplete" && reason === "content_filter") {
    throw new ToolError(
      `OpenAI's safety system stopped the answer (incomplete: content_filter)${id}. Rephrase the question or change the images; nothing was stored.`,
      "moderation_blocked",
    );
  }
  if (response.status === "failed") {
    const why = response.error ? `${response.error.code}: ${response.error.message}` : "no reason given";
    throw new ToolError(
      `OpenAI could not finish the answer (status failed, ${why})${id}; nothing was stored. Try again.`,
      "upstream_error",
    );
  }
  if (response.status === "cancelled") {
    throw new ToolError(`OpenAI cancelled the answer before it finished${id}; nothing was stored. Try again.`, "upstream_error");
  }
  const cutOff = response.status === "incomplete";
  if (cutOff && reason !== "max_output_tokens") {
    throw new ToolError(
      `OpenAI ended the answer early (incomplete: ${reason ?? "no reason given"})${id}; nothing was stored. Try again.`,
      "upstream_error",
    );
  }
  return {
    text: response.output_text,
    usage: response.usage ?? undefined,
    cutOff,
    strictFallback,
  };
}

const isInvalidSchema = (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === "invalid_json_schema";

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
  const create = (strict: boolean | undefined) =>
    client.responses.create(
      {
        model: request.model,
        instructions: request.instructions,
        input: [{ type: "message", role: "user", content }],
        max_output_tokens: request.maxOutputTokens,
        store: false,
        ...(request.reasoningEffort ? { reasoning: { effort: request.reasoningEffort } } : {}),
        ...(request.safetyIdentifier ? { safety_identifier: request.safetyIdentifier } : {}),
        ...(request.schema
          ? {
              text: {
                format: { type: "json_schema" as const, name: request.schema.name, schema: request.schema.schema, strict: strict ?? false },
              },
            }
          : {}),
      },
      { signal },
    );
  return callOpenAI(async () => {
    const strict = request.schema?.strict;
    try {
      return readAnswer(await create(strict), false);
    } catch (error) {
      // OpenAI's strict subset can be narrower than our check; the answer is validated here anyway.
      if (!strict || !isInvalidSchema(error)) throw error;
      return readAnswer(await create(false), true);
    }
  });
}
