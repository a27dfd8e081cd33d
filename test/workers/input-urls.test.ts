import { env } from "cloudflare:workers";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { Config } from "../../src/config";
import { toBase64 } from "../../src/encoding";
import type { ToolContext, ToolDefinition } from "../../src/mcp/definitions";
import { runTool } from "../../src/mcp/run-tool";
import { editImage } from "../../src/tools/images.tools";
import { analyzeImage, checkImage } from "../../src/tools/vision.tools";
import { FakeOpenAIControl } from "../fake-openai/control";
import { testServices } from "../support/assets";
import { textOf } from "../support/mcp";
import { noisyPng, solidPng } from "../support/png";

/**
 * Image inputs given as https URLs, through the tools themselves: the services carry an
 * injected fetch standing in for the internet (the real one cannot reach public hosts here,
 * and the URL guard refuses local test origins by design).
 */
const fake = new FakeOpenAIControl(inject("fakeOpenAIUrl"));
beforeEach(() => fake.reset());

type Route = () => Response | Promise<Response>;

function internet(routes: Record<string, Route>) {
  const requested: string[] = [];
  const fetchInput: typeof fetch = async (input) => {
    const url = input instanceof Request ? input.url : String(input);
    requested.push(url);
    const route = routes[url];
    if (!route) throw new Error(`unexpected fetch of ${url}`);
    return route();
  };
  return { fetchInput, requested };
}

const png =
  (bytes: Uint8Array): Route =>
  () =>
    new Response(bytes, { headers: { "content-type": "image/png" } });
const failing =
  (message: string): Route =>
  () => {
    throw new TypeError(message);
  };

async function run(tool: ToolDefinition, args: Record<string, unknown>, fetchInput: typeof fetch, config: Partial<Config> = {}) {
  const services = testServices();
  const context: Omit<ToolContext, "signal"> = {
    services: { ...services, config: { ...services.config, ...config }, fetchInput },
    era: "2025-session",
    wantsProgress: false,
    reportProgress: async () => undefined,
    confirm: async () => "unavailable",
  };
  return (await runTool(tool, tool.input.parse(args), context, new AbortController().signal)) as CallToolResult;
}

async function storedKeys(): Promise<string[]> {
  const [objects, keys] = await Promise.all([env.ASSETS.list({ limit: 1000 }), env.INDEX.list({ limit: 1000 })]);
  return [...objects.objects.map((o) => `r2:${o.key}`), ...keys.keys.map((k) => `kv:${k.name}`)].sort();
}

function expectRefusal(result: CallToolResult, message: string) {
  expect(result.isError, textOf(result)).toBe(true);
  expect(textOf(result)).toBe(message);
}

let red: Uint8Array;
let noisy: Uint8Array;
beforeAll(async () => {
  red = await solidPng(64, 64, [220, 20, 20, 255]);
  noisy = await noisyPng(256, 256);
});

const CAT = "https://images.example.com/cat.png";
const MOVED = "https://cdn.example.net/assets/cat-v2.png";

describe("image inputs as https URLs through the tools", () => {
  it("edit_image follows a redirect, edits, and records the final URL on the stored input", async () => {
    const web = internet({ [CAT]: () => new Response(null, { status: 301, headers: { location: MOVED } }), [MOVED]: png(red) });
    const result = await run(editImage, { prompt: "make it blue", images: [CAT] }, web.fetchInput);
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(web.requested).toEqual([CAT, MOVED]);
    const out = result.structuredContent as { parents: string[] };
    const parent = await testServices().library.get(out.parents[0]!);
    expect(parent?.origin).toMatchObject({ tool: "input", sourceUrl: MOVED });
    expect((await fake.requests()).filter((r) => r.path === "/v1/images/edits")).toHaveLength(1);
  });

  it("analyze_image reports a DNS failure with its cause, calls nobody, and stores nothing", async () => {
    const before = await storedKeys();
    const web = internet({ [CAT]: failing("internal error; reference = 45mjjdslnu2hiu9215tsainh") });
    const result = await run(analyzeImage, { images: [CAT] }, web.fetchInput);
    expectRefusal(
      result,
      `images: Fetching the image at "${CAT}" failed: the host could not be reached: its name did not resolve (DNS) or its secure connection (TLS) failed. ` +
        "Check the URL and that the host is up and public, or upload the image as base64 (or a data URL) or pass an asset id instead.",
    );
    expect((await fake.stats()).total).toBe(0);
    expect(await storedKeys()).toEqual(before);
  });

  it("check_image reports a refused connection with its cause", async () => {
    const web = internet({ [CAT]: failing("Network connection lost.") });
    const result = await run(checkImage, { image: CAT, prompt: "a red square" }, web.fetchInput);
    expectRefusal(
      result,
      `image: Fetching the image at "${CAT}" failed: the connection was refused or dropped before the image arrived. ` +
        "Check the URL and that the host is up and public, or upload the image as base64 (or a data URL) or pass an asset id instead.",
    );
    expect((await fake.stats()).total).toBe(0);
  });

  it("refuses an image over the per-image cap by name, and stores nothing", async () => {
    const before = await storedKeys();
    const web = internet({ [CAT]: png(noisy) });
    const result = await run(analyzeImage, { images: [CAT] }, web.fetchInput, { maxInputImageBytes: 1000 });
    expectRefusal(
      result,
      `images: The image at "${CAT}" is over 1 kB (the download was stopped there), and fetched images are limited to 1 kB: pass a smaller (downscaled or compressed) version.`,
    );
    expect((await fake.stats()).total).toBe(0);
    expect(await storedKeys()).toEqual(before);
  });

  it("refuses inputs that together pass the per-call budget, though each fits its own cap", async () => {
    const before = await storedKeys();
    const urls = Array.from({ length: 6 }, (_, i) => `https://images.example.com/part-${i}.png`);
    const web = internet(Object.fromEntries(urls.map((url) => [url, png(noisy)])));
    const budget = Math.floor(noisy.byteLength * 2.5);
    const result = await run(analyzeImage, { images: urls }, web.fetchInput, { maxInputBytesPerCall: budget });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^images\[\d\]: the input images of this call add up to more than /);
    expect(textOf(result)).toContain(
      "the limit for all inputs of one call together (MAX_INPUT_BYTES_PER_CALL): pass fewer or smaller (downscaled or compressed) images.",
    );
    // At most four inputs are read at once, and the call stops at the budget: the last ones are never fetched.
    expect(web.requested.length).toBeLessThanOrEqual(4);
    expect((await fake.stats()).total).toBe(0);
    expect(await storedKeys()).toEqual(before);
  });

  it("reads at most four inputs at once and takes no more once one has failed", async () => {
    const urls = Array.from({ length: 10 }, (_, i) => `https://images.example.com/slow-${i}.png`);
    let inFlight = 0;
    let mostInFlight = 0;
    const slowPng: Route = async () => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 30));
      inFlight--;
      return new Response(red, { headers: { "content-type": "image/png" } });
    };
    const ok = internet(Object.fromEntries(urls.map((url) => [url, slowPng])));
    const fine = await run(analyzeImage, { images: urls }, ok.fetchInput);
    expect(fine.isError, textOf(fine)).toBeFalsy();
    expect(ok.requested).toHaveLength(10);
    expect(mostInFlight).toBe(4);

    const routes = Object.fromEntries(urls.map((url) => [url, slowPng]));
    routes[urls[0]!] = failing("getaddrinfo ENOTFOUND images.example.com");
    const broken = internet(routes);
    const result = await run(analyzeImage, { images: urls, fresh: true }, broken.fetchInput);
    expect(textOf(result)).toContain("images[0]: Fetching the image at");
    expect(broken.requested).toHaveLength(4);
  });

  it("charges asset ids and inline images against the same budget, by the record's size before reading", async () => {
    const { record } = await testServices().library.put({ bytes: noisy, kind: "image", mime: "image/png", origin: { tool: "test" } });
    const inline = `data:image/png;base64,${toBase64(noisy)}`;
    const web = internet({});
    const budget = Math.floor(noisy.byteLength * 1.5);
    for (const images of [
      [record.sha256, record.sha256],
      [inline, record.sha256],
    ]) {
      const result = await run(analyzeImage, { images }, web.fetchInput, { maxInputBytesPerCall: budget });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/^images\[[01]\]: the input images of this call add up to more than /);
    }
    expect((await fake.stats()).total).toBe(0);
  });

  it("checks the model, parameters and cost cap before fetching anything", async () => {
    const web = internet({ [CAT]: png(red) });
    const unknownModel = await run(analyzeImage, { images: [CAT], model: "gpt-nonexistent" }, web.fetchInput);
    expect(unknownModel.isError).toBe(true);
    const overCap = await run(analyzeImage, { images: [CAT], model: "gpt-6-astra", max_output_tokens: 8000 }, web.fetchInput);
    expect(overCap.isError).toBe(true);
    expect(textOf(overCap)).toMatch(
      /^This analysis could cost at least \$0\.50\d* \(\d+ input tokens, up to 10048 output tokens including reasoning at "low"\)/,
    );
    const markupOnOldModel = await run(editImage, { prompt: "x", images: [CAT], markup: CAT, model: "gpt-image-2" }, web.fetchInput);
    expect(textOf(markupOnOldModel)).toMatch(/^markup: gpt-image-2 does not take markup\. Models that do: /);
    expect(web.requested).toEqual([]);
    expect((await fake.stats()).total).toBe(0);
  });
});
