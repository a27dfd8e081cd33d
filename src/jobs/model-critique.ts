/**
 * One critique pass (CADCodeVerify's verification questions, BlenderAlchemy's tweak/leap
 * split, see DESIGN.md "3D"): the montage and the reference or concept image go to a vision
 * model with the description; it asks itself 5–10 yes/no questions about the description,
 * answers them from the views, scores the model, lists problems and revises the spec.
 */
import { z } from "zod";
import type { ModelReport } from "../mesh/report";
import type { ModelSpec } from "../mesh/spec";
import type { VisionImage } from "../openai/responses-api";
import { askStructured } from "./model-ask";
import type { SpendTally, TextCallPlan } from "./model-cost";
import { briefLines, planSchema, readSpec, specJson, type DesignBrief } from "./model-plan";
import { PaidAnswerError, type PipelineContext } from "./pipeline";

export const CRITIQUE_SCHEMA_NAME = "model_critique";
/** Questions, problems and a revised spec: the spec's length plus a little. */
export const CRITIQUE_ANSWER_TOKENS = 14_000;
/** A critique on the last pass revises nothing, so it is short. */
export const FINAL_CRITIQUE_ANSWER_TOKENS = 2_000;
/** A pass at or above this score with no structural problem ends the loop early. */
export const GOOD_ENOUGH_SCORE = 0.8;

export const CRITIQUE_INSTRUCTIONS = [
  "You review 3D models made from a spec of primitive parts. The first image is a labelled montage of six views of the compiled model (front, back, left, right, top, three-quarter); a second image, when present, shows what the model should look like.",
  "First write 5 to 10 yes/no verification questions that check the description concretely (counts, proportions, placement, colours, parts that must exist), phrased so that yes means the model is right. Answer each from the views only, with the evidence you see.",
  "Then score the model from 0 (unrecognisable) to 1 (matches the description in every respect), and list the problems: a tweak is a parameter change (a size, a position, a colour); structural means parts must be added, removed or rebuilt.",
].join("\n");

const REVISION_INSTRUCTION =
  "Finally return revised_spec: the whole spec with every problem fixed, keeping what is right unchanged (ids, materials).";

/** The critique's schema, inside the strict subset; the last pass asks for no revision. */
export function critiqueSchema(withRevision: boolean): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    questions: {
      type: "array",
      minItems: 5,
      maxItems: 10,
      description: "Yes/no verification questions about the description; yes means the model is right.",
      items: {
        type: "object",
        properties: {
          question: { type: "string" },
          answer: { type: "string", enum: ["yes", "no"] },
          evidence: { type: "string", description: "What in the views shows it." },
        },
        required: ["question", "answer", "evidence"],
        additionalProperties: false,
      },
    },
    score: { type: "number", minimum: 0, maximum: 1, description: "How well the model matches the description, 0 to 1." },
    problems: {
      type: "array",
      maxItems: 12,
      items: {
        type: "object",
        properties: {
          kind: { type: "string", enum: ["tweak", "structural"] },
          description: { type: "string" },
        },
        required: ["kind", "description"],
        additionalProperties: false,
      },
    },
  };
  if (withRevision) properties.revised_spec = planSchema();
  return { type: "object", properties, required: Object.keys(properties), additionalProperties: false };
}

const CritiqueAnswer = z.object({
  questions: z
    .array(z.object({ question: z.string(), answer: z.enum(["yes", "no"]), evidence: z.string() }))
    .min(1)
    .max(10),
  score: z.number().min(0).max(1),
  problems: z.array(z.object({ kind: z.enum(["tweak", "structural"]), description: z.string() })).max(12),
  revised_spec: z.unknown().optional(),
});

export const CritiqueOut = z.object({
  score: z.number().describe("The critic's score, 0–1."),
  questions: z.array(z.object({ question: z.string(), answer: z.enum(["yes", "no"]), evidence: z.string() })),
  problems: z.array(z.object({ kind: z.enum(["tweak", "structural"]), description: z.string() })),
});
export type Critique = z.infer<typeof CritiqueOut>;

export interface CritiqueResult {
  critique: Critique;
  /** The revised spec, or the schema's complaints about it; null when no revision was asked. */
  revision: { spec: ModelSpec } | { problems: string[] } | null;
}

export function critiquePrompt(brief: DesignBrief, spec: ModelSpec, report: ModelReport, pass: number, passes: number): string {
  const [x, y, z] = report.bounds.size;
  return [
    `Critique pass ${pass} of ${passes}.`,
    ...briefLines(brief),
    `Compiled: ${report.triangles} triangles, ${report.parts} parts, ${x} × ${y} × ${z} m.`,
    ...(report.floatingParts.length ? [`Floating parts (touch nothing): ${report.floatingParts.join(", ")}.`] : []),
    ...(report.warnings.length ? [`Compiler warnings: ${report.warnings.join("; ")}`] : []),
    "The spec (JSON):",
    specJson(spec),
  ].join("\n");
}

export async function critiqueModel(
  pctx: PipelineContext,
  tally: SpendTally,
  request: {
    call: TextCallPlan;
    brief: DesignBrief;
    spec: ModelSpec;
    report: ModelReport;
    images: VisionImage[];
    pass: number;
    passes: number;
  },
): Promise<CritiqueResult> {
  const withRevision = request.pass < request.passes;
  const what = `critique ${request.pass} of ${request.passes}`;
  const raw = await askStructured(pctx, tally, {
    what,
    call: request.call,
    instructions: withRevision ? `${CRITIQUE_INSTRUCTIONS}\n${REVISION_INSTRUCTION}` : CRITIQUE_INSTRUCTIONS,
    prompt: critiquePrompt(request.brief, request.spec, request.report, request.pass, request.passes),
    images: request.images,
    schemaName: CRITIQUE_SCHEMA_NAME,
    schema: critiqueSchema(withRevision),
  });
  const parsed = CritiqueAnswer.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new PaidAnswerError(
      `The ${what} answer does not match its schema (${first ? `${first.path.join(".") || "answer"}: ${first.message}` : "unreadable"}); nothing was stored. Call again with fresh: true.`,
    );
  }
  const { revised_spec, ...critique } = parsed.data;
  return { critique, revision: withRevision ? readSpec(revised_spec) : null };
}
