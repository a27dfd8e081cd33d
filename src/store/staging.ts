import { ToolError } from "../errors";
import { BlobStore } from "./blob-store";
import { sha256Hex } from "./hash";

/** An input's bytes parked in R2 for a job: the job reads them by key, a step result never carries them. */
export interface StagedFile {
  key: string;
  sha256: string;
  mime: string;
}

/**
 * `staging/<batch>/<sha256>` in R2: inputs a job needs that are not assets yet (and must
 * not become assets unless the job succeeds). One batch per call that stages; the job
 * clears its batch when it ends, and a call that joined another job clears its own.
 */
export class StagingArea {
  private readonly blobs: BlobStore;

  constructor(bucket: R2Bucket) {
    this.blobs = new BlobStore(bucket);
  }

  /** A fresh batch name: unguessable, so no caller can read or clear another's inputs. */
  static newBatch(): string {
    return Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async stage(batch: string, bytes: Uint8Array, mime: string, sha256?: string): Promise<StagedFile> {
    const hash = sha256 ?? (await sha256Hex(bytes));
    const key = `staging/${batch}/${hash}`;
    await this.blobs.putIfAbsent(key, bytes, hash, mime);
    return { key, sha256: hash, mime };
  }

  async read(file: StagedFile): Promise<Uint8Array> {
    const bytes = await this.blobs.getBytes(file.key);
    if (!bytes) {
      throw new ToolError(
        `An input of this job (${file.sha256.slice(0, 12)}…) is no longer staged; call the tool again with the same inputs.`,
        "not_found",
      );
    }
    return bytes;
  }

  async clear(batch: string): Promise<void> {
    for await (const key of this.blobs.keys(`staging/${batch}/`)) await this.blobs.delete(key);
  }
}
