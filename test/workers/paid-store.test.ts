import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { readConfig } from "../../src/config";
import { makeImages, imageRequestHash, NO_INPUTS, type ImageSpec } from "../../src/jobs/image-production";
import { PaidAnswerError, type PipelineContext } from "../../src/jobs/pipeline";
import { normalizeImageParams } from "../../src/openai/image-params";
import { createServices } from "../../src/services";
import { FakeOpenAIControl } from "../fake-openai/control";
import { storeAsset, testServices } from "../support/assets";
import { solidPng } from "../support/png";
import { ToolError } from "../../src/errors";
import { assetContent, assetLink } from "../../src/schemas/asset-view";

const fake = new FakeOpenAIControl(inject("fakeOpenAIUrl"));
beforeEach(() => fake.reset());

/** The asset bucket with its first `failures` writes of asset blobs refused, as an R2 outage would. */
function flakyBucket(failures: number): { bucket: R2Bucket; refused: () => number } {
  let refused = 0;
  const bucket = new Proxy(env.ASSETS, {
    get(target, key) {
      if (key === "put") {
        return (name: string, ...rest: unknown[]) => {
          if (name.startsWith("images/") && refused < failures) {
            refused++;
            return Promise.reject(new Error("R2 put failed: We encountered an internal error. Please try again. (10001)"));
          }
          return (target.put as (...args: unknown[]) => Promise<R2Object | null>).call(target, name, ...rest);
        };
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { bucket, refused: () => refused };
}

async function imageSpec(prompt: string): Promise<{ spec: ImageSpec; hash: string }> {
  const config = readConfig(env);
  const params = normalizeImageParams({ quality: "low", size: "1024x1024" }, { operation: "generate", now: config.clock() });
  const spec: ImageSpec = {
    tool: "generate_image",
    params,
    prompt,
    inputs: NO_INPUTS,
    fresh: false,
    returnMode: "preview",
    notices: [],
    partialImages: 0,
  };
  return { spec, hash: await imageRequestHash(spec) };
}

function pipelineOn(bucket: R2Bucket): PipelineContext {
  const services = createServices({ ...env, ASSETS: bucket }, readConfig(env), "http://localhost");
  return { services, signal: new AbortController().signal, progress: async () => undefined };
}

const generations = async () => (await fake.requests()).filter((r) => r.path === "/v1/images/generations");

describe("storing paid images", () => {
  it("tries the store again in place after a failed write: one OpenAI call, the image stored and cached", async () => {
    const { bucket, refused } = flakyBucket(1);
    const { spec, hash } = await imageSpec("a lighthouse at dusk, stored on the second try");
    const made = await makeImages(pipelineOn(bucket), spec, hash);
    expect(refused()).toBe(1);
    expect(await generations()).toHaveLength(1);
    expect(made.assetIds).toHaveLength(1);
    const services = testServices();
    expect(await services.cache.get(hash)).toMatchObject({ assetIds: made.assetIds });
    expect((await services.library.verify(made.assetIds[0]!)).status).toBe("ok");
  });

  it("ends for good after a second failure, saying it was paid, with nothing cached and no record left", async () => {
    const { bucket, refused } = flakyBucket(Infinity);
    const { spec, hash } = await imageSpec("a lighthouse at dusk, never stored");
    const error = await makeImages(pipelineOn(bucket), spec, hash).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PaidAnswerError);
    expect((error as PaidAnswerError).message).toBe(
      "OpenAI made the image and billed for it, but storing the result failed twice (R2 put failed: We encountered an internal error. Please try again. (10001)). The job stops here rather than pay again on its own; calling the tool again pays again.",
    );
    expect(refused()).toBe(2);
    expect(await generations()).toHaveLength(1);
    const services = testServices();
    expect(await services.cache.get(hash)).toBeUndefined();
    const listed = await env.INDEX.list({ prefix: "asset:" });
    for (const key of listed.keys) {
      const record = await env.INDEX.get<{ origin: { requestHash?: string } }>(key.name, "json");
      expect(record?.origin.requestHash).not.toBe(hash);
    }
  });
});

describe("a preview the Images binding cannot render", () => {
  it("leaves the result whole: the link, and a line saying why there is no preview", async () => {
    // A colour of its own: no earlier test left a preview of these bytes behind.
    const record = await storeAsset({ bytes: await solidPng(64, 64, [201, 41, 43, 255]) });
    const base = testServices();
    // assetContent asks the image service for nothing but the preview.
    const failing = {
      renderPreview: () =>
        Promise.reject(new ToolError("the Images binding could not produce image/webp: out of memory", "upstream_error")),
    };
    const services = { ...base, images: failing as unknown as typeof base.images };
    const blocks = await assetContent(record, services, "preview");
    expect(blocks).toEqual([
      assetLink(record),
      {
        type: "text",
        text: "No preview (the Images binding could not produce image/webp: out of memory); the file itself is stored: fetch it with the link.",
      },
    ]);
  });
});
