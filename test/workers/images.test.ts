import { env } from "cloudflare:workers";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { readConfig } from "../../src/config";
import { runTool } from "../../src/mcp/run-tool";
import { createServices } from "../../src/services";
import { sha256Hex } from "../../src/store/hash";
import { generateImage } from "../../src/tools/images.tools";
import { getJob } from "../../src/tools/jobs.tools";
import { FakeOpenAIControl } from "../fake-openai/control";
import { testServices } from "../support/assets";
import { call, connect, connectModern, SECOND_TOKEN, structured, textOf, TOKEN } from "../support/mcp";
import { solidPng } from "../support/png";

const fake = new FakeOpenAIControl(inject("fakeOpenAIUrl"));
beforeEach(() => fake.reset());

type ImageOut = {
  images: Array<{ id: string; width: number; height: number; mimeType: string; downloadUrl: string; uri: string }>;
  parameters: Record<string, unknown>;
  cached: boolean;
  sharedInFlight: boolean;
  cost: { usd: number; originalUsd: number };
  usage: { inputTokens: number; outputTokens: number } | null;
  prompt: { characters: number; tokens: number };
  parents: string[];
  parentRoles: Array<{ id: string; role: string }>;
  notices: string[];
};

const dataUrl = (bytes: Uint8Array, mime = "image/png") => `data:${mime};base64,${btoa(String.fromCharCode(...bytes))}`;

async function assetCount(): Promise<number> {
  let n = 0;
  for await (const _ of testServices().index.all()) n++;
  return n;
}

async function upstream(path: string) {
  return (await fake.requests()).filter((r) => r.path === path);
}

describe("generate_image", () => {
  it("sends the exact request with defaults filled and returns preview, link, URL, usage and cost", async () => {
    const client = await connect();
    const result = await call(client, "generate_image", { prompt: "a red fox in snow, watercolour" });
    const out = structured<ImageOut>(result);
    const [request] = await upstream("/v1/images/generations");
    expect(request?.json).toEqual({
      prompt: "a red fox in snow, watercolour",
      model: "gpt-image-2",
      size: "auto",
      quality: "auto",
      background: "auto",
      output_format: "png",
      moderation: "auto",
      n: 1,
      stream: true,
      partial_images: 0,
      safety_identifier: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(out.images).toHaveLength(1);
    expect(out.images[0]).toMatchObject({ width: 1024, height: 1024, mimeType: "image/png" });
    expect(out.cached).toBe(false);
    expect(out.cost.usd).toBeGreaterThan(0);
    expect(out.usage?.outputTokens).toBeGreaterThan(0);
    expect(out.prompt.tokens).toBeGreaterThan(3);
    const preview = result.content.find((b) => b.type === "image") as { data: string; mimeType: string };
    expect(preview.mimeType).toBe("image/webp");
    const info = await env.IMAGES.info(new Blob([Uint8Array.from(atob(preview.data), (c) => c.charCodeAt(0))]).stream());
    expect("width" in info && info.width).toBe(512);
    expect(result.content.find((b) => b.type === "resource_link")).toMatchObject({ uri: out.images[0]!.uri });
    const record = await testServices().library.get(out.images[0]!.id);
    expect(record?.origin).toMatchObject({ tool: "generate_image", model: "gpt-image-2", prompt: "a red fox in snow, watercolour" });
    // The stored bytes are what OpenAI sent, under their own hash.
    const bytes = await testServices().library.readBytes(record!);
    expect(await sha256Hex(bytes!)).toBe(out.images[0]!.id);
    await client.close();
  });

  it("maps every parameter onto the upstream request", async () => {
    const client = await connect();
    const out = structured<ImageOut>(
      await call(client, "generate_image", {
        prompt: "isometric castle",
        model: "gpt-image-2.5-sunburst",
        size: "1280x720",
        quality: "xhigh",
        background: "transparent",
        output_format: "webp",
        output_compression: 60,
        moderation: "low",
        complexity: "high",
        n: 2,
        return: "none",
      }),
    );
    const [request] = await upstream("/v1/images/generations");
    expect(request?.json).toMatchObject({
      complexity: "high",
      model: "gpt-image-2.5-sunburst",
      size: "1280x720",
      quality: "xhigh",
      background: "transparent",
      output_format: "webp",
      output_compression: 60,
      moderation: "low",
      n: 2,
    });
    // Several images come as one plain answer (streaming is for single images with previews).
    expect(request?.json).not.toHaveProperty("stream");
    expect(out.images).toHaveLength(2);
    expect(new Set(out.images.map((i) => i.id)).size).toBe(2);
    expect(out.images.every((i) => i.mimeType === "image/webp" && i.width === 1280 && i.height === 720)).toBe(true);
    await client.close();
  });

  it("answers a repeated request from the cache, and calls OpenAI again with fresh: true", async () => {
    const client = await connect();
    const args = { prompt: "a lighthouse at dusk", quality: "low", size: "1024x1024" };
    const first = structured<ImageOut>(await call(client, "generate_image", args));
    const second = structured<ImageOut>(await call(client, "generate_image", { ...args, quality: "low" }));
    expect(second.cached).toBe(true);
    expect(second.cost.usd).toBe(0);
    expect(second.cost.originalUsd).toBe(first.cost.usd);
    expect(second.images.map((i) => i.id)).toEqual(first.images.map((i) => i.id));
    expect(await upstream("/v1/images/generations")).toHaveLength(1);
    const fresh = structured<ImageOut>(await call(client, "generate_image", { ...args, fresh: true }));
    expect(fresh.cached).toBe(false);
    expect(await upstream("/v1/images/generations")).toHaveLength(2);
    await client.close();
  });

  it("calls OpenAI once for identical requests in flight at the same time", async () => {
    await fake.addFault({ kind: "slow", path: "/v1/images/generations", delayMs: 400 });
    const client = await connect();
    const args = { prompt: "three identical birds", quality: "low" };
    const [a, b, c] = await Promise.all([
      call(client, "generate_image", args),
      call(client, "generate_image", args),
      call(client, "generate_image", args),
    ]);
    const outs = [a, b, c].map((r) => structured<ImageOut>(r!));
    expect(new Set(outs.map((o) => o.images[0]!.id)).size).toBe(1);
    expect(outs.filter((o) => o.sharedInFlight)).toHaveLength(2);
    expect(await upstream("/v1/images/generations")).toHaveLength(1);
    await client.close();
  });

  it("sends progress notifications when the client asks, with partial images upstream", async () => {
    const client = await connect();
    const progress: number[] = [];
    const result = (await client.callTool({ name: "generate_image", arguments: { prompt: "progress please" } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    const [request] = await upstream("/v1/images/generations");
    expect((request?.json as { partial_images: number }).partial_images).toBe(2);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    await client.close();
  });

  it("tells OpenAI who is asking by a pseudonym of the access token, the same in both eras", async () => {
    const first = await connect();
    const second = await connect({ token: SECOND_TOKEN });
    const modern = await connectModern();
    await call(first, "generate_image", { prompt: "caller one", quality: "low", return: "none" });
    await call(second, "generate_image", { prompt: "caller two", quality: "low", return: "none" });
    await modern.callTool({ name: "generate_image", arguments: { prompt: "caller one again", quality: "low", return: "none" } });
    const ids = (await upstream("/v1/images/generations")).map((r) => (r.json as { safety_identifier: string }).safety_identifier);
    expect(ids).toHaveLength(3);
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[1]).not.toBe(ids[0]);
    expect(ids[2]).toBe(ids[0]);
    // A keyed hash: neither token nor its plain SHA-256 travels.
    for (const token of [TOKEN, SECOND_TOKEN]) {
      const plain = await sha256Hex(new TextEncoder().encode(token));
      expect(ids.filter((id) => id === token || plain.startsWith(id))).toEqual([]);
    }
    await Promise.all([first.close(), second.close(), modern.close()]);
  });

  it("refuses bad parameters naming the field and the allowed values, without calling OpenAI", async () => {
    const client = await connect();
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        { prompt: "" },
        "Invalid arguments for generate_image: prompt: must not be empty; describe the image you want. Fix it and call again.",
      ],
      [
        { prompt: "x", size: "1000x1000" },
        'size: "1000x1000" is not valid for gpt-image-2: width and height must both be multiples of 16. Nearest valid size: 1008x1008. Allowed: auto, 1024x1024, 1536x1024, 1024x1536, or a custom WIDTHxHEIGHT with both sides multiples of 16, aspect between 1:3 and 3:1, sides up to 3840 px and 655,360\u20138,294,400 pixels (largest 3840x2160).',
      ],
      [
        { prompt: "x", size: "3840x640" },
        'size: "3840x640" is not valid for gpt-image-2: the aspect ratio must be between 1:3 and 3:1. Nearest valid size: 1920x640. Allowed: auto, 1024x1024, 1536x1024, 1024x1536, or a custom WIDTHxHEIGHT with both sides multiples of 16, aspect between 1:3 and 3:1, sides up to 3840 px and 655,360\u20138,294,400 pixels (largest 3840x2160).',
      ],
      [
        { prompt: "x", background: "transparent", output_format: "jpeg" },
        'background: "transparent" needs output_format png or webp, not "jpeg". Allowed with jpeg: auto, opaque.',
      ],
      [
        { prompt: "x", output_compression: 50 },
        'output_compression: 50 cannot be used with output_format "png". It applies only to jpeg and webp.',
      ],
      [{ prompt: "x", model: "dall-e-3" }, 'Model "dall-e-3" was shut down by OpenAI on 2026-05-12; use gpt-image-2.6-sunburst instead.'],
      [
        { prompt: "x", model: "gpt-imagine" },
        'model: unknown image model "gpt-imagine". Allowed: gpt-image-2, gpt-image-2.5-flare, gpt-image-2.5-sunburst, gpt-image-2.6-flare, gpt-image-2.6-sunburst, gpt-image-1.5, chatgpt-image-latest, gpt-image-1-mini.',
      ],
      [{ prompt: "x", quality: "max" }, 'quality: "max" is not allowed for gpt-image-2. Allowed: low, medium, high, auto.'],
      [{ prompt: "x", n: 11 }, "Invalid arguments for generate_image: n: must be at most 10. Fix it and call again."],
      [
        { prompt: "x".repeat(32_001) },
        "Invalid arguments for generate_image: prompt: longer than 32000 characters; shorten it. Fix it and call again.",
      ],
      [
        { prompt: "x", return: "thumbnail" },
        'Invalid arguments for generate_image: return: must be one of "preview", "full", "none". Fix it and call again.',
      ],
      [
        { prompt: "x", complexity: "extreme" },
        'Invalid arguments for generate_image: complexity: must be one of "low", "medium", "high". Fix it and call again.',
      ],
      [
        { prompt: "x", model: "gpt-image-1.5", complexity: "high" },
        'complexity: "high" is not allowed: gpt-image-1.5 does not take it. Models that take it: gpt-image-2, gpt-image-2.5-flare, gpt-image-2.5-sunburst, gpt-image-2.6-flare, gpt-image-2.6-sunburst.',
      ],
    ];
    const before = await assetCount();
    for (const [args, expected] of cases) {
      const result = await call(client, "generate_image", args);
      expect(result.isError, JSON.stringify(args).slice(0, 80)).toBe(true);
      expect(textOf(result)).toBe(expected);
    }
    expect(await upstream("/v1/images/generations")).toHaveLength(0);
    expect(await assetCount()).toBe(before);
    await client.close();
  });
});

describe("upstream faults", () => {
  // Persistent faults outlast the OpenAI client's two retries and the job step's two further attempts: 3 × 3 requests.
  const PERSISTENT = 9;
  const faultCases: Array<[string, Parameters<FakeOpenAIControl["addFault"]>[0], RegExp, number]> = [
    ["persistent 429", { kind: "rate_limit", retryAfter: 1, times: PERSISTENT }, /rate limit.*req_\d+.*Wait 1 s/, PERSISTENT],
    ["persistent 500", { kind: "server_error", times: PERSISTENT }, /server error \(HTTP 500\).*req_\d+/, PERSISTENT],
    ["moderation", { kind: "moderation" }, /safety system blocked.*req_\d+/, 1],
    ["invalid key", { kind: "invalid_key" }, /rejected the server's API key/, 1],
    ["persistent malformed body", { kind: "malformed", times: PERSISTENT }, /could not be read \(malformed JSON or event stream\)/, 3],
  ];

  for (const [name, fault, expected, calls] of faultCases) {
    it(`maps ${name} to a clear error and stores nothing`, async () => {
      await fake.addFault({ path: "/v1/images/generations", ...fault });
      const client = await connect();
      const before = await assetCount();
      const result = await call(client, "generate_image", { prompt: `fault ${name}`, quality: "low" });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(expected);
      expect(textOf(result)).not.toMatch(/sk-test/);
      expect(await upstream("/v1/images/generations")).toHaveLength(calls);
      expect(await assetCount()).toBe(before);
      await client.close();
    });
  }

  it("retries a 429 after retry-after and succeeds", async () => {
    await fake.addFault({ kind: "rate_limit", path: "/v1/images/generations", retryAfter: 1, times: 1 });
    const client = await connect();
    const started = Date.now();
    const out = structured<ImageOut>(await call(client, "generate_image", { prompt: "retry me", quality: "low" }));
    expect(out.images).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(await upstream("/v1/images/generations")).toHaveLength(2);
    await client.close();
  });

  it("ends a job past its deadline with a clear message, aborting the upstream request and storing nothing", async () => {
    await fake.addFault({ kind: "timeout", path: "/v1/images/generations" });
    const base = testServices();
    const services = createServices(env, { ...readConfig(env), toolDeadlineMs: 600 }, base.baseUrl);
    const context = {
      services,
      era: "2025-session",
      wantsProgress: false,
      reportProgress: async () => undefined,
      confirm: async () => "unavailable" as const,
    } as const;
    const before = await assetCount();
    const started = await runTool(
      generateImage,
      generateImage.input.parse({ prompt: "hangs forever", wait_seconds: 0 }),
      context,
      new AbortController().signal,
    );
    const job = (started.structuredContent as { job: { id: string } }).job;
    await new Promise((r) => setTimeout(r, 1500));
    const result = await runTool(getJob, getJob.input.parse({ job_id: job.id, wait_seconds: 0 }), context, new AbortController().signal);
    expect(result.isError).toBe(true);
    expect(textOf(result as CallToolResult)).toBe(
      "The job took longer than the 1 s deadline and was stopped; nothing was stored. Try a smaller or lower-quality request, or raise TOOL_DEADLINE_SECONDS.",
    );
    const [request] = await upstream("/v1/images/generations");
    expect(request?.status).toBeUndefined();
    expect(await assetCount()).toBe(before);
  });
});

describe("edit_image", () => {
  it("edits into several images with one plain (non-streamed) answer", async () => {
    const client = await connect();
    const png = await solidPng(64, 64, [90, 20, 200, 255]);
    const out = structured<ImageOut>(
      await call(client, "edit_image", { prompt: "two variants", images: [dataUrl(png)], n: 2, quality: "low" }),
    );
    expect(out.images).toHaveLength(2);
    const [request] = await upstream("/v1/images/edits");
    expect(request?.fields).toMatchObject({ n: "2" });
    expect(request?.fields).not.toHaveProperty("stream");
    await client.close();
  });

  it("uploads inputs and mask as multipart, records lineage and stores new inputs", async () => {
    const client = await connect();
    const base = structured<ImageOut>(
      await call(client, "generate_image", { prompt: "a plain room", size: "1024x1024", quality: "low", return: "none" }),
    );
    const sticker = await solidPng(64, 64, [0, 200, 0, 255]);
    const mask = await solidPng(1024, 1024, [0, 0, 0, 0]);
    const out = structured<ImageOut>(
      await call(client, "edit_image", {
        prompt: "put the green sticker on the wall",
        images: [base.images[0]!.id, dataUrl(sticker)],
        mask: dataUrl(mask),
        quality: "low",
      }),
    );
    const [request] = await upstream("/v1/images/edits");
    expect(request?.fields).toMatchObject({
      prompt: "put the green sticker on the wall",
      model: "gpt-image-2",
      quality: "low",
      stream: "true",
    });
    expect(request?.fields).not.toHaveProperty("moderation");
    expect(request?.fields).not.toHaveProperty("input_fidelity");
    const files = request?.files ?? [];
    expect(files.filter((f) => f.field.startsWith("image")).map((f) => f.sha256)).toEqual([base.images[0]!.id, await sha256Hex(sticker)]);
    expect(files.find((f) => f.field === "mask")?.sha256).toBe(await sha256Hex(mask));
    expect(out.parents).toEqual([base.images[0]!.id, await sha256Hex(sticker), await sha256Hex(mask)]);
    const services = testServices();
    expect((await services.library.get(out.images[0]!.id))?.origin.parents).toEqual(out.parents);
    expect((await services.library.get(await sha256Hex(sticker)))?.origin.tool).toBe("input");
    // Same inputs by content: answered from the cache even when given as an asset id this time.
    const again = structured<ImageOut>(
      await call(client, "edit_image", {
        prompt: "put the green sticker on the wall",
        images: [base.images[0]!.id, await sha256Hex(sticker)],
        mask: await sha256Hex(mask),
        quality: "low",
      }),
    );
    expect(again.cached).toBe(true);
    await client.close();
  });

  it("sends markup as its own multipart file and keeps it apart from a mask in the cache", async () => {
    const client = await connect();
    const photo = await solidPng(64, 48, [200, 180, 160, 255]);
    const circle = await solidPng(64, 48, [255, 0, 0, 0]);
    const common = { prompt: "remove what is circled", model: "gpt-image-2.5-sunburst", quality: "low", complexity: "low" };
    const marked = structured<ImageOut>(await call(client, "edit_image", { ...common, images: [dataUrl(photo)], markup: dataUrl(circle) }));
    const [request] = await upstream("/v1/images/edits");
    expect(request?.fields).toMatchObject({ model: "gpt-image-2.5-sunburst", complexity: "low" });
    expect(request?.files?.find((f) => f.field === "markup")?.sha256).toBe(await sha256Hex(circle));
    expect(request?.files?.some((f) => f.field === "mask")).toBe(false);
    expect(marked.parents).toEqual([await sha256Hex(photo), await sha256Hex(circle)]);
    // The same bytes as a mask, or as a second image, are different requests.
    const masked = structured<ImageOut>(await call(client, "edit_image", { ...common, images: [dataUrl(photo)], mask: dataUrl(circle) }));
    const twoImages = structured<ImageOut>(await call(client, "edit_image", { ...common, images: [dataUrl(photo), dataUrl(circle)] }));
    expect([masked.cached, twoImages.cached]).toEqual([false, false]);
    expect(masked.parents).toEqual(marked.parents);
    // The roles tell the two apart.
    expect(marked.parentRoles).toEqual([
      { id: await sha256Hex(photo), role: "image" },
      { id: await sha256Hex(circle), role: "markup" },
    ]);
    expect(masked.parentRoles).toEqual([
      { id: await sha256Hex(photo), role: "image" },
      { id: await sha256Hex(circle), role: "mask" },
    ]);
    expect(await upstream("/v1/images/edits")).toHaveLength(3);
    const again = structured<ImageOut>(await call(client, "edit_image", { ...common, images: [dataUrl(photo)], markup: dataUrl(circle) }));
    expect(again.cached).toBe(true);
    await client.close();
  });

  it("takes this server's own download links as asset ids, without fetching them", async () => {
    const client = await connect();
    const base = structured<ImageOut>(await call(client, "generate_image", { prompt: "link me", quality: "low", return: "none" }));
    const out = structured<ImageOut>(
      await call(client, "edit_image", { prompt: "edit by link", images: [base.images[0]!.downloadUrl], quality: "low" }),
    );
    expect(out.parents).toEqual([base.images[0]!.id]);
    // Another host's /assets/ path is just a URL, and gets the URL rules.
    const foreign = await call(client, "edit_image", {
      prompt: "x",
      images: [`http://elsewhere.example/assets/${base.images[0]!.id}.png`],
    });
    expect(foreign.isError).toBe(true);
    expect(textOf(foreign)).toMatch(/https/);
    await client.close();
  });

  it("refuses bad inputs clearly and stores nothing", async () => {
    const client = await connect();
    const png = await solidPng(32, 32, [10, 10, 10, 255]);
    const opaqueMask = await solidPng(32, 32, [0, 0, 0, 255], false);
    const smallMask = await solidPng(16, 16, [0, 0, 0, 0]);
    const before = await assetCount();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ prompt: "x", images: [] }, "Invalid arguments for edit_image: images: give at least one image to edit. Fix it and call again."],
      [
        { prompt: "x", images: Array(17).fill(dataUrl(png)) },
        "Invalid arguments for edit_image: images: at most 16 images per edit. Fix it and call again.",
      ],
      [
        { prompt: "x", images: ["http://example.com/a.png"] },
        'images: The image URL "http://example.com/a.png" is refused: only https URLs are fetched, not http. Use a public https URL, or upload the image as base64 (or a data URL) or pass an asset id instead.',
      ],
      [
        { prompt: "x", images: ["https://127.0.0.1/a.png"] },
        'images: The image URL "https://127.0.0.1/a.png" is refused: 127.0.0.1 is a loopback address, not a public one. Use a public https URL, or upload the image as base64 (or a data URL) or pass an asset id instead.',
      ],
      [
        { prompt: "x", images: ["https://169.254.169.254/latest"] },
        'images: The image URL "https://169.254.169.254/latest" is refused: 169.254.169.254 is a link-local (cloud metadata) address, not a public one. Use a public https URL, or upload the image as base64 (or a data URL) or pass an asset id instead.',
      ],
      [
        { prompt: "x", images: ["0".repeat(64)] },
        "images: no asset 0000000000000000000000000000000000000000000000000000000000000000 is stored here. Use list_assets to find ids.",
      ],
      [
        { prompt: "x", images: [btoa("this is not an image at all, just text")] },
        "images: The inline data decodes to 38 bytes that are not a PNG, JPEG, WebP, GIF, AVIF, HEIC or BMP image (checked by its leading bytes): encode the image file itself (not a path, a page or a thumbnail URL) as base64.",
      ],
      [
        { prompt: "x", images: ["data:text/plain;base64,aGVsbG8="] },
        'images: The data URL declares "text/plain", not an image type: use `data:image/png;base64,` (or the image\'s real type).',
      ],
      [
        { prompt: "x", images: [dataUrl(png)], mask: dataUrl(smallMask) },
        "mask: the mask is 16x16 but the first input image is 32x32: a mask must have exactly the image's size. Export the mask at 32x32 and try again (it is not resized here, since stretching it would move the area to edit).",
      ],
      [
        { prompt: "x", images: [dataUrl(png)], mask: dataUrl(opaqueMask) },
        "mask: the mask is a PNG without an alpha channel (RGB). An edit mask marks the area to change with fully transparent pixels (alpha 0), so this one would change nothing. Export the mask as a PNG with an alpha channel: transparent where the image should change, opaque elsewhere.",
      ],
      [
        { prompt: "x", images: [dataUrl(png)], input_fidelity: "high" },
        'input_fidelity: "high" is not allowed: gpt-image-2 does not take it (omit it for the 2.x models). Models that take it: gpt-image-1.5, chatgpt-image-latest, gpt-image-1-mini.',
      ],
      [
        { prompt: "x", images: [dataUrl(png)], model: "gpt-image-1" },
        'Model "gpt-image-1" was shut down by OpenAI on 2026-10-23; use gpt-image-2.5-sunburst or gpt-image-2.5-flare instead.',
      ],
      [
        { prompt: "x", images: [dataUrl(png)], markup: dataUrl(smallMask) },
        "markup: gpt-image-2 does not take markup. Models that do: gpt-image-2.5-flare, gpt-image-2.5-sunburst, gpt-image-2.6-sunburst.",
      ],
      [
        { prompt: "x", images: [dataUrl(png)], model: "gpt-image-2.5-flare", mask: dataUrl(smallMask), markup: dataUrl(smallMask) },
        "markup: cannot be combined with mask. Give a mask (where to edit) or markup (marks drawn on the image), not both.",
      ],
      [
        { prompt: "x", images: [dataUrl(png)], model: "gpt-image-2.5-flare", markup: dataUrl(smallMask) },
        "markup: the markup is 16x16 but the first input image is 32x32: a markup must have exactly the image's size. Export the markup at 32x32 and try again (it is not resized here, since stretching it would move the marks).",
      ],
      [
        { prompt: "x", images: [dataUrl(png)], model: "gpt-image-2.5-flare", markup: dataUrl(opaqueMask) },
        "markup: the markup is a PNG without an alpha channel (RGB). Markup is laid over the first image, so without transparency it would hide the image. Export the markup as a PNG with an alpha channel: your marks opaque, transparent everywhere else.",
      ],
    ];
    for (const [args, expected] of cases) {
      const result = await call(client, "edit_image", args);
      expect(result.isError, JSON.stringify(args).slice(0, 100)).toBe(true);
      expect(textOf(result)).toBe(expected);
    }
    expect(await upstream("/v1/images/edits")).toHaveLength(0);
    expect(await assetCount()).toBe(before);
    await client.close();
  });

  it("stores no input when the upstream edit fails", async () => {
    await fake.addFault({ kind: "moderation", path: "/v1/images/edits" });
    const client = await connect();
    const png = await solidPng(48, 48, [1, 100, 200, 255]);
    const result = await call(client, "edit_image", { prompt: "blocked", images: [dataUrl(png)] });
    expect(result.isError).toBe(true);
    expect(await testServices().library.get(await sha256Hex(png))).toBeUndefined();
    await client.close();
  });
});

describe("waiting on an identical call", () => {
  it("a cancelled follower stops waiting; the leader still finishes and stores", async () => {
    await fake.addFault({ kind: "slow", path: "/v1/images/generations", delayMs: 1200 });
    const leader = await connect();
    const follower = await connect();
    const args = { prompt: "leader and follower", quality: "low" };
    const leading = leader.callTool({ name: "generate_image", arguments: args });
    await new Promise((r) => setTimeout(r, 200));
    const controller = new AbortController();
    const following = follower.callTool({ name: "generate_image", arguments: args }, undefined, { signal: controller.signal });
    setTimeout(() => controller.abort("changed my mind"), 200);
    const started = Date.now();
    await expect(following).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(800);
    const out = structured<ImageOut>((await leading) as CallToolResult);
    expect(out.images).toHaveLength(1);
    expect(await upstream("/v1/images/generations")).toHaveLength(1);
    await leader.close();
    await follower.close();
  });
});

describe("prompt token counting", () => {
  it("counts a 32,000-character single-word prompt before the call, fast, and pays once", async () => {
    const client = await connect();
    const prompt = "a".repeat(32_000);
    const started = performance.now();
    const out = structured<ImageOut>(await call(client, "generate_image", { prompt, size: "1024x1024", quality: "low" }));
    const ms = performance.now() - started;
    expect(out.prompt.characters).toBe(32_000);
    expect(out.prompt.tokens).toBeGreaterThan(1000);
    expect(ms, `took ${ms.toFixed(0)} ms`).toBeLessThan(5000);
    expect(await upstream("/v1/images/generations")).toHaveLength(1);
    await client.close();
  });

  it("treats special-token text in a prompt as ordinary text: one paid call, result stored, tokens counted", async () => {
    const client = await connect();
    const before = await assetCount();
    const prompt = "a shop sign that reads <|endoftext|> and <|endofprompt|>";
    const result = await call(client, "generate_image", { prompt });
    const out = structured<ImageOut>(result);
    expect(out.prompt.tokens).toBeGreaterThan(10);
    expect(await upstream("/v1/images/generations")).toHaveLength(1);
    expect(await assetCount()).toBe(before + 1);
    const again = structured<ImageOut>(await call(client, "generate_image", { prompt }));
    expect(again.cached).toBe(true);
    expect(await upstream("/v1/images/generations")).toHaveLength(1);
    await client.close();
  });
});
