import type { ToolOutput } from "../results";
import type { Services } from "../services";
import { presentVerdict } from "./image-check";
import { imageRequestHash, makeImages, presentImages, type ImageJobResult, type ImageResult, type ImageSpec } from "./image-production";
import { cachedOutcome, type Outcome } from "./job-records";
import type { JobOutput } from "./job-state";
import type { PipelineContext } from "./pipeline";
import { makeAnalysis, presentAnalysis, type AnalysisResult, type AnalysisSpec } from "./vision-analysis";
import { makeModel, presentModel, type ModelCreateJobResult, type ModelCreateSpec } from "./model-create";
import { unstage } from "./staged-inputs";
import { verifyImages, withVerification, type Verification } from "./verify-result";

/**
 * What the Workflow and get_job need to know about one kind of paid job: how to do the
 * work from its plain-data spec (inside a step), an optional second step, and how to
 * turn the stored outcome into the tool's result (wherever the caller waits).
 */
export interface JobKind {
  produce(pctx: PipelineContext, spec: unknown): Promise<JobOutput>;
  /** Whether this job's spec asks for the second step. */
  wantsFollowUp?(spec: unknown): boolean;
  /** A second step on the stored result (verify: true); its small output lands in `output.extra`. */
  followUp?(pctx: PipelineContext, spec: unknown, output: JobOutput): Promise<Record<string, unknown> | undefined>;
  present(services: Services, spec: unknown, outcome: Outcome<unknown>, output: JobOutput): Promise<ToolOutput<Record<string, unknown>>>;
}

/** A generate or edit request, plus whether to check each result against the prompt afterwards. */
export interface ImageJobSpec extends ImageSpec {
  verify: boolean;
}

const imageKind: JobKind = {
  async produce(pctx, spec) {
    const image = spec as ImageJobSpec;
    const hash = await imageRequestHash(image);
    // A retried step, or verify: true on a request already made: the stored result, no second payment.
    const hit = image.fresh ? undefined : await cachedOutcome<ImageJobResult>(pctx.services, hash);
    if (hit) return { hash, assetIds: hit.records.map((r) => r.sha256), result: hit.result, cached: true };
    const made = await makeImages(pctx, image, hash);
    return { hash, assetIds: made.assetIds, result: made.result, cached: false };
  },
  wantsFollowUp: (spec) => (spec as ImageJobSpec).verify,
  async followUp(pctx, spec, output) {
    const image = spec as ImageJobSpec;
    const verification: Verification = await verifyImages(pctx, output.assetIds, image.prompt);
    return { ...verification };
  },
  async present(services, spec, outcome, output) {
    const image = spec as ImageJobSpec;
    const shown = await presentImages(services, image, outcome as Outcome<ImageJobResult>);
    const verification = output.extra as Verification | undefined;
    return image.verify ? withVerification(shown, verification ?? { verification: [], notices: [] }) : withNoVerification(shown);
  },
};

const withNoVerification = (output: ToolOutput<ImageResult>): ToolOutput<Record<string, unknown>> => output;

const analysisKind: JobKind = {
  async produce(pctx, spec) {
    const analysis = spec as AnalysisSpec;
    const hit = analysis.fresh ? undefined : await cachedOutcome<AnalysisResult>(pctx.services, analysis.hash);
    if (hit) return { hash: analysis.hash, assetIds: hit.records.map((r) => r.sha256), result: hit.result, cached: true };
    const made = await makeAnalysis(pctx, analysis, await unstage(pctx.services, analysis.images));
    return { hash: analysis.hash, assetIds: made.assetIds, result: made.result, cached: false };
  },
  present(services, spec, outcome) {
    return presentAnalysis(services, spec as AnalysisSpec, outcome as Outcome<AnalysisResult>);
  },
};

const checkKind: JobKind = {
  produce: analysisKind.produce,
  async present(services, spec, outcome) {
    const analysis = spec as AnalysisSpec;
    const { structured } = await presentAnalysis(services, analysis, outcome as Outcome<AnalysisResult>);
    return presentVerdict(analysis.images[0]!.sha256, structured);
  },
};

/** create_3d_model and edit_3d_model: the whole loop in one step (its images are cached, so a retried step pays for no image twice). */
const modelKind: JobKind = {
  async produce(pctx, spec) {
    const model = spec as ModelCreateSpec;
    const hit = model.fresh ? undefined : await cachedOutcome<ModelCreateJobResult>(pctx.services, model.hash);
    if (hit) return { hash: model.hash, assetIds: hit.records.map((r) => r.sha256), result: hit.result, cached: true };
    const made = await makeModel(pctx, model);
    return { hash: model.hash, assetIds: made.assetIds, result: made.result, cached: false };
  },
  present(services, spec, outcome) {
    return presentModel(services, spec as ModelCreateSpec, outcome as Outcome<ModelCreateJobResult>);
  },
};

export const JOB_KINDS = { image: imageKind, analysis: analysisKind, check: checkKind, model: modelKind } satisfies Record<string, JobKind>;
export type JobKindName = keyof typeof JOB_KINDS;

export function jobKind(name: string): JobKind {
  const kind = (JOB_KINDS as Record<string, JobKind>)[name];
  if (!kind) throw new Error(`unknown job kind ${name}`);
  return kind;
}
