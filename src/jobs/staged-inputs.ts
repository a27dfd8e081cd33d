import { persistInputs, type ResolvedImage } from "../inputs/resolve-images";
import type { Services } from "../services";
import type { AssetRecord } from "../store/asset-record";
import type { StagedFile } from "../store/staging";

/** An input image as a job carries it: its hash and what the tool learned about it, the bytes in R2. */
export interface StagedInput extends StagedFile {
  width: number;
  height: number;
  sourceUrl?: string;
  byReference?: boolean;
}

/** Parks resolved inputs in R2 before a job starts, so the job's steps pass hashes, never bytes. */
export async function stageInputs(services: Services, batch: string, images: ResolvedImage[]): Promise<StagedInput[]> {
  return Promise.all(
    images.map(async (image) => {
      const { key } = await services.jobs.staging.stage(batch, image.bytes, image.mime, image.sha256);
      return {
        key,
        sha256: image.sha256,
        mime: image.mime,
        width: image.width,
        height: image.height,
        sourceUrl: image.sourceUrl,
        byReference: image.byReference,
      };
    }),
  );
}

/** The inputs again as resolved images, read back from the staging area inside the job. */
export async function unstage(services: Services, inputs: StagedInput[]): Promise<ResolvedImage[]> {
  return Promise.all(
    inputs.map(async (input) => ({
      ...input,
      bytes: await services.jobs.staging.read(input),
      record: await services.library.get(input.sha256),
    })),
  );
}

/** Stores the inputs as assets once the job has succeeded, so the result's lineage points at records that exist. */
export async function persistStaged(services: Services, inputs: StagedInput[]): Promise<AssetRecord[]> {
  return persistInputs(await unstage(services, inputs), services);
}
