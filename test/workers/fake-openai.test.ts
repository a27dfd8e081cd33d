// Tests of the fake OpenAI itself, run inside workerd: the real `openai` SDK must parse every
// answer the fake gives, including errors and faults, exactly as it would parse OpenAI's.

import OpenAI, {
  APIConnectionTimeoutError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
  toFile,
} from "openai";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { FakeOpenAIControl } from "../fake-openai/control.ts";

const root = inject("fakeOpenAIUrl");
const control = new FakeOpenAIControl(root);

function client(options: { apiKey?: string; timeout?: number } = {}): OpenAI {
  return new OpenAI({ apiKey: options.apiKey ?? "sk-test", baseURL: `${root}/v1`, maxRetries: 0, timeout: options.timeout ?? 20_000 });
}

function fromBase64(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

interface HeaderInfo {
  format: "png" | "jpeg" | "webp" | "gif";
  width: number;
  height: number;
  /** PNG only: colour type 6 (RGBA) or 4 (grey + alpha). */
  alpha?: boolean;
}

/** Reads format and size from the file header, to prove the bytes are real images. */
function imageHeader(bytes: Uint8Array): HeaderInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (start: number, length: number) => String.fromCharCode(...bytes.subarray(start, start + length));
  if (bytes[0] === 0x89 && ascii(1, 3) === "PNG") {
    const colourType = bytes[25];
    return { format: "png", width: view.getUint32(16), height: view.getUint32(20), alpha: colourType === 6 || colourType === 4 };
  }
  if (ascii(0, 3) === "GIF") return { format: "gif", width: view.getUint16(6, true), height: view.getUint16(8, true) };
  if (ascii(0, 4) === "RIFF" && ascii(8, 4) === "WEBP") {
    const chunk = ascii(12, 4);
    if (chunk === "VP8X") {
      const read24 = (at: number) => (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16);
      return { format: "webp", width: read24(24) + 1, height: read24(27) + 1 };
    }
    if (chunk === "VP8L") {
      const bits = view.getUint32(21, true);
      return { format: "webp", width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
    return { format: "webp", width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    let at = 2;
    while (at < bytes.length) {
      const marker = bytes[at + 1] ?? 0;
      const length = view.getUint16(at + 2);
      if (marker >= 0xc0 && marker <= 0xc3) return { format: "jpeg", width: view.getUint16(at + 7), height: view.getUint16(at + 5) };
      at += 2 + length;
    }
  }
  throw new Error("not an image the test understands");
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

async function generatedPng(prompt: string, size: "1024x1024" | "1536x1024" = "1024x1024", transparent = false): Promise<Uint8Array> {
  const result = await client().images.generate({
    model: "gpt-image-2",
    prompt,
    size,
    ...(transparent ? { background: "transparent" as const, output_format: "png" as const } : {}),
  });
  return fromBase64(result.data?.[0]?.b64_json ?? "");
}

beforeEach(async () => {
  await control.reset();
});

describe("models", () => {
  it("lists models with shutdown dates and retrieves one", async () => {
    const models = [];
    for await (const model of client().models.list()) models.push(model);
    const ids = models.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(["gpt-image-2", "gpt-image-2.6-sunburst", "gpt-6.1-terra"]));
    expect(ids).not.toContain("dall-e-3");
    expect(models.find((m) => m.id === "gpt-image-1.5")?.shutdown_date).toBe("2026-12-01");
    expect(models.find((m) => m.id === "gpt-image-2")?.shutdown_date).toBeNull();

    const model = await client().models.retrieve("gpt-image-2.5-flare");
    expect(model).toMatchObject({ id: "gpt-image-2.5-flare", object: "model", owned_by: "system" });
    await expect(client().models.retrieve("dall-e-3")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("images.generate", () => {
  it("returns n real images of the requested size, deterministic per prompt", async () => {
    const result = await client().images.generate({ model: "gpt-image-2", prompt: "a red fox", n: 2, size: "1536x1024" });
    expect(result.data).toHaveLength(2);
    expect(result).toMatchObject({ background: "opaque", output_format: "png", quality: "high", size: "1536x1024" });
    expect(result.created).toBeGreaterThan(1_700_000_000);
    expect(result.usage?.input_tokens_details).toEqual({ image_tokens: 0, text_tokens: 3 });
    expect(result.usage?.total_tokens).toBe((result.usage?.input_tokens ?? 0) + (result.usage?.output_tokens ?? 0));
    expect(result._request_id).toMatch(/^req_\d+$/);

    const [first, second] = (result.data ?? []).map((d) => fromBase64(d.b64_json ?? ""));
    expect(imageHeader(first!)).toMatchObject({ format: "png", width: 1536, height: 1024, alpha: false });
    expect(toBase64(first!)).not.toBe(toBase64(second!));

    const again = await client().images.generate({ model: "gpt-image-2", prompt: "a red fox", n: 1, size: "1536x1024" });
    expect(again.data?.[0]?.b64_json).toBe(result.data?.[0]?.b64_json);
    const other = await client().images.generate({ model: "gpt-image-2", prompt: "a blue whale", size: "1536x1024" });
    expect(other.data?.[0]?.b64_json).not.toBe(result.data?.[0]?.b64_json);
  });

  it("encodes jpeg, webp, transparent png, custom sizes and auto", async () => {
    const cases = [
      {
        params: { output_format: "jpeg" as const, output_compression: 60, size: "1024x1536" },
        expected: { format: "jpeg", width: 1024, height: 1536 },
      },
      { params: { output_format: "webp" as const, size: "1024x1024" }, expected: { format: "webp", width: 1024, height: 1024 } },
      {
        params: { output_format: "png" as const, background: "transparent" as const },
        expected: { format: "png", width: 1024, height: 1024, alpha: true },
      },
      { params: { size: "1536x864" }, expected: { format: "png", width: 1536, height: 864 } },
      { params: { size: "auto" }, expected: { format: "png", width: 1024, height: 1024 } },
    ];
    for (const { params, expected } of cases) {
      const result = await client().images.generate({ model: "gpt-image-2.5-flare", prompt: "a lighthouse", ...params });
      expect(imageHeader(fromBase64(result.data?.[0]?.b64_json ?? ""))).toMatchObject(expected);
      expect(result.size).toBe(`${expected.width}x${expected.height}`);
    }
  });

  it("streams partial images then a completed event with usage", async () => {
    const stream = await client().images.generate({ model: "gpt-image-2", prompt: "a kite", stream: true, partial_images: 2 });
    const events = await collect(stream);
    expect(events.map((e) => e.type)).toEqual([
      "image_generation.partial_image",
      "image_generation.partial_image",
      "image_generation.completed",
    ]);
    const [p0, p1, done] = events;
    expect(p0).toMatchObject({ partial_image_index: 0, size: "1024x1024", output_format: "png", background: "opaque" });
    expect(p1).toMatchObject({ partial_image_index: 1 });
    if (done?.type !== "image_generation.completed") throw new Error("no completed event");
    expect(done.usage.output_tokens).toBeGreaterThan(0);
    expect(done.created_at).toBeGreaterThan(1_700_000_000);
    expect(imageHeader(fromBase64(done.b64_json))).toMatchObject({ format: "png", width: 1024, height: 1024 });
    expect(p0?.b64_json).not.toBe(done.b64_json);

    const single = await collect(await client().images.generate({ model: "gpt-image-2", prompt: "a kite", stream: true }));
    expect(single.map((e) => e.type)).toEqual(["image_generation.completed"]);
  });

  it("validates parameters like the real API", async () => {
    const expectBadRequest = async (params: Record<string, unknown>, expected: { param: string | null; code: string }) => {
      const error = await client()
        .images.generate({ prompt: "x", ...params } as unknown as OpenAI.ImageGenerateParamsNonStreaming)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error).toMatchObject({ status: 400, type: "invalid_request_error", ...expected });
    };
    await expectBadRequest({}, { param: "model", code: "missing_required_parameter" });
    await expectBadRequest({ model: "gpt-image-9" }, { param: "model", code: "model_not_found" });
    await expectBadRequest({ model: "gpt-image-2", prompt: undefined }, { param: "prompt", code: "missing_required_parameter" });
    await expectBadRequest({ model: "gpt-image-2", n: 0 }, { param: "n", code: "integer_below_min_value" });
    await expectBadRequest({ model: "gpt-image-2", size: "1000x1000" }, { param: "size", code: "invalid_value" });
    await expectBadRequest({ model: "gpt-image-2", size: "3840x1024" }, { param: "size", code: "invalid_value" });
    await expectBadRequest({ model: "gpt-image-2.6-sunburst", size: "1536x864" }, { param: "size", code: "invalid_value" });
    await expectBadRequest({ model: "gpt-image-2", quality: "max" }, { param: "quality", code: "invalid_value" });
    await expectBadRequest(
      { model: "gpt-image-2", output_format: "jpeg", background: "transparent" },
      { param: "background", code: "invalid_value" },
    );
    await expectBadRequest({ model: "gpt-image-2", output_compression: 50 }, { param: "output_compression", code: "invalid_value" });
    await expectBadRequest({ model: "gpt-image-2", partial_images: 4 }, { param: "partial_images", code: "integer_above_max_value" });
    await expectBadRequest({ model: "gpt-image-2", response_format: "url" }, { param: "response_format", code: "unknown_parameter" });

    const shutDown = await client()
      .images.generate({ model: "dall-e-3", prompt: "x" })
      .catch((e: unknown) => e);
    expect(shutDown).toBeInstanceOf(NotFoundError);
    expect((shutDown as NotFoundError).message).toContain("shut down");
  });
});

describe("images.edit", () => {
  it("accepts repeated image[] files and a mask, and records them", async () => {
    const base = await generatedPng("base photo");
    const second = await generatedPng("second photo");
    const mask = await generatedPng("mask", "1024x1024", true);
    const result = await client().images.edit({
      model: "gpt-image-2.6-flare",
      prompt: "put a hat on it",
      image: [await toFile(base, "base.png", { type: "image/png" }), await toFile(second, "second.png", { type: "image/png" })],
      mask: await toFile(mask, "mask.png", { type: "image/png" }),
      n: 2,
      output_format: "webp",
    });
    expect(result.data).toHaveLength(2);
    expect(imageHeader(fromBase64(result.data?.[0]?.b64_json ?? ""))).toMatchObject({ format: "webp", width: 1024, height: 1024 });
    expect(result.usage?.input_tokens_details.image_tokens).toBeGreaterThan(0);

    const edit = (await control.requests()).find((r) => r.path === "/v1/images/edits");
    expect(edit?.fields).toMatchObject({ model: "gpt-image-2.6-flare", prompt: "put a hat on it", n: "2", output_format: "webp" });
    // The SDK appends parts in its own order (the mask may come first); compare as a set.
    expect(edit?.files?.map((f) => [f.field, f.filename, f.contentType]).sort()).toEqual([
      ["image[]", "base.png", "image/png"],
      ["image[]", "second.png", "image/png"],
      ["mask", "mask.png", "image/png"],
    ]);
    const baseFile = edit?.files?.find((f) => f.filename === "base.png");
    expect(baseFile?.bytes).toBe(base.byteLength);
    expect(baseFile?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(edit?.headers["authorization"]).toBe("Bearer ***");
  });

  it("streams image_edit events", async () => {
    const base = await generatedPng("to edit", "1536x1024");
    const stream = await client().images.edit({
      model: "gpt-image-2",
      prompt: "make it night",
      image: await toFile(base, "in.png", { type: "image/png" }),
      size: "1536x1024",
      stream: true,
      partial_images: 1,
    });
    const events = await collect(stream);
    expect(events.map((e) => e.type)).toEqual(["image_edit.partial_image", "image_edit.completed"]);
    const done = events[1];
    if (done?.type !== "image_edit.completed") throw new Error("no completed event");
    expect(imageHeader(fromBase64(done.b64_json))).toMatchObject({ width: 1536, height: 1024 });
  });

  it("refuses untyped uploads, bad bytes and mismatched masks", async () => {
    const base = await generatedPng("base");
    const untyped = await client()
      .images.edit({ model: "gpt-image-2", prompt: "x", image: await toFile(base, "untyped.bin") })
      .catch((e: unknown) => e);
    expect(untyped).toBeInstanceOf(BadRequestError);
    expect(untyped).toMatchObject({ param: "image", code: "unsupported_file_mimetype" });

    const garbage = await client()
      .images.edit({
        model: "gpt-image-2",
        prompt: "x",
        image: await toFile(new TextEncoder().encode("not a png"), "a.png", { type: "image/png" }),
      })
      .catch((e: unknown) => e);
    expect(garbage).toMatchObject({ status: 400, param: "image", code: "invalid_image_file" });

    const wide = await generatedPng("wide mask", "1536x1024", true);
    const mismatch = await client()
      .images.edit({
        model: "gpt-image-2",
        prompt: "x",
        image: await toFile(base, "a.png", { type: "image/png" }),
        mask: await toFile(wide, "m.png", { type: "image/png" }),
      })
      .catch((e: unknown) => e);
    expect(mismatch).toMatchObject({ status: 400, param: "mask" });
  });
});

describe("responses.create", () => {
  it("describes the images it was given, counting them in usage", async () => {
    const png = await generatedPng("vision input");
    const dataUrl = `data:image/png;base64,${toBase64(png)}`;
    const textOnly = await client().responses.create({ model: "gpt-6.1-terra", input: "What is in this picture?" });
    const response = await client().responses.create({
      model: "gpt-6.1-terra",
      instructions: "Describe images.",
      max_output_tokens: 500,
      reasoning: { effort: "none" },
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "What is in this picture?" },
            { type: "input_image", image_url: dataUrl, detail: "high" },
            { type: "input_image", image_url: "https://example.com/cat.png", detail: "low" },
          ],
        },
      ],
    });
    expect(response).toMatchObject({
      object: "response",
      status: "completed",
      model: "gpt-6.1-terra",
      error: null,
      incomplete_details: null,
    });
    expect(response.id).toMatch(/^resp_/);
    const message = response.output[0];
    expect(message).toMatchObject({ type: "message", role: "assistant", status: "completed" });
    expect(response.output_text).toContain("I see 2 images.");
    expect(response.output_text).toContain("1024x1024 png");
    expect(response.usage?.input_tokens).toBeGreaterThan((textOnly.usage?.input_tokens ?? 0) + 100);
    expect(response.usage?.output_tokens_details.reasoning_tokens).toBe(0);
    expect(response.usage?.input_tokens_details.cached_tokens).toBe(0);
  });

  it("answers json_schema formats with JSON that satisfies the schema", async () => {
    const schema = {
      type: "object",
      additionalProperties: false,
      required: ["verdict", "score", "summary", "tags", "passed", "image_count"],
      properties: {
        verdict: { type: "string", enum: ["pass", "fail"] },
        score: { type: "number", minimum: 3, maximum: 7 },
        summary: { type: "string", maxLength: 40 },
        tags: { type: "array", items: { type: "string" }, minItems: 2 },
        passed: { type: "boolean" },
        image_count: { type: "integer", minimum: 0 },
      },
    };
    const response = await client().responses.create({
      model: "gpt-6.1-terra",
      input: "Judge this.",
      text: { format: { type: "json_schema", name: "verdict", schema, strict: true } },
    });
    const parsed = JSON.parse(response.output_text) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual([...schema.required].sort());
    expect(parsed["verdict"]).toBe("pass");
    expect(parsed["score"]).toBeGreaterThanOrEqual(3);
    expect(parsed["score"]).toBeLessThanOrEqual(7);
    expect((parsed["summary"] as string).length).toBeLessThanOrEqual(40);
    expect(parsed["tags"]).toHaveLength(2);
    expect(parsed["passed"]).toBe(true);
    expect(parsed["image_count"]).toBe(0);
    expect(response.text?.format).toMatchObject({ type: "json_schema", name: "verdict", strict: true });
  });

  it("refuses strict schemas that the real API refuses", async () => {
    const error = await client()
      .responses.create({
        model: "gpt-6.1-terra",
        input: "x",
        text: {
          format: { type: "json_schema", name: "loose", schema: { type: "object", properties: { a: { type: "string" } } }, strict: true },
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ param: "text.format.schema", code: "invalid_json_schema" });

    const badImage = await client()
      .responses.create({
        model: "gpt-6.1-terra",
        input: [{ role: "user", content: [{ type: "input_image", image_url: "data:text/plain;base64,aGk=", detail: "auto" }] }],
      })
      .catch((e: unknown) => e);
    expect(badImage).toMatchObject({ status: 400, param: "input[0].content[0].image_url", code: "invalid_value" });

    const noModel = await client()
      .responses.create({ input: "x" })
      .catch((e: unknown) => e);
    expect(noModel).toMatchObject({ status: 400, param: "model", code: "missing_required_parameter" });
    const unknownModel = await client()
      .responses.create({ model: "gpt-9", input: "x" })
      .catch((e: unknown) => e);
    expect(unknownModel).toMatchObject({ status: 400, code: "model_not_found" });
  });

  it("returns scripted text verbatim, then goes back to generating", async () => {
    await control.script("not json at all", 2);
    const format = {
      type: "json_schema" as const,
      name: "v",
      schema: { type: "object", properties: {}, required: [], additionalProperties: false },
      strict: true,
    };
    const first = await client().responses.create({ model: "gpt-6.1-terra", input: "x", text: { format } });
    const second = await client().responses.create({ model: "gpt-6.1-terra", input: "x" });
    const third = await client().responses.create({ model: "gpt-6.1-terra", input: "x" });
    expect(first.output_text).toBe("not json at all");
    expect(second.output_text).toBe("not json at all");
    expect(third.output_text).toContain("I see 0 images.");
  });

  it("marks a response incomplete when max_output_tokens cuts it", async () => {
    await control.script("word ".repeat(200));
    const response = await client().responses.create({ model: "gpt-6.1-terra", input: "x", max_output_tokens: 16 });
    expect(response.status).toBe("incomplete");
    expect(response.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(response.usage?.output_tokens).toBe(16);
  });

  it("streams the real event sequence", async () => {
    await control.script("Two cats on a sofa.");
    const events = await collect(await client().responses.create({ model: "gpt-6.1-terra", input: "x", stream: true }));
    const types = events.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
    ]);
    expect(types.slice(-4)).toEqual([
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    const text = events.flatMap((e) => (e.type === "response.output_text.delta" ? [e.delta] : [])).join("");
    expect(text).toBe("Two cats on a sofa.");
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const completed = events[events.length - 1];
    if (completed?.type !== "response.completed") throw new Error("no completed event");
    expect(completed.response.usage?.output_tokens).toBeGreaterThan(0);
  });
});

describe("what the real API does that a naive fake hides", () => {
  const ask = (body: Record<string, unknown>) =>
    client()
      .responses.create({ model: "gpt-6.1-terra", input: "What is in the image?", ...body } as never)
      .catch((e: unknown) => e) as Promise<OpenAI.Responses.Response | Error>;

  it("reasoning models spend reasoning tokens by effort, medium when none is sent, inside max_output_tokens", async () => {
    const spent = async (effort?: string) => {
      const response = (await ask({
        max_output_tokens: 40_000,
        ...(effort ? { reasoning: { effort } } : {}),
      })) as OpenAI.Responses.Response;
      expect(response.status).toBe("completed");
      return response.usage!.output_tokens_details.reasoning_tokens;
    };
    expect(await spent()).toBe(2600);
    expect([await spent("none"), await spent("low"), await spent("high"), await spent("max")]).toEqual([0, 700, 7000, 28_000]);
    const low = (await ask({ max_output_tokens: 3000, reasoning: { effort: "low" } })) as OpenAI.Responses.Response;
    expect(low.output.map((item) => item.type)).toEqual(["reasoning", "message"]);
    expect(low.reasoning).toMatchObject({ effort: "low" });
  });

  it("a budget smaller than the reasoning ends incomplete with no text", async () => {
    const response = (await ask({ max_output_tokens: 1200 })) as OpenAI.Responses.Response;
    expect(response).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, output_text: "" });
    expect(response.output.map((item) => item.type)).toEqual(["reasoning"]);
    expect(response.usage).toMatchObject({ output_tokens: 1200, output_tokens_details: { reasoning_tokens: 1200 } });
  });

  it("refuses reasoning on GPT-4.x, efforts a model does not take, budgets over its limit and detail original where it has none", async () => {
    expect(await ask({ model: "gpt-4.1", reasoning: { effort: "low" } })).toMatchObject({
      status: 400,
      code: "unsupported_parameter",
      param: "reasoning.effort",
      message: "400 Unsupported parameter: 'reasoning.effort' is not supported with this model.",
    });
    expect(await ask({ model: "gpt-5", reasoning: { effort: "none" } })).toMatchObject({
      status: 400,
      code: "invalid_value",
      param: "reasoning.effort",
    });
    expect(await ask({ model: "gpt-4o", max_output_tokens: 16_385 })).toMatchObject({
      status: 400,
      code: "integer_above_max_value",
      param: "max_output_tokens",
    });
    const png = await generatedPng("original detail");
    const image = { type: "input_image", image_url: `data:image/png;base64,${toBase64(png)}`, detail: "original" };
    expect(await ask({ model: "gpt-4.1", input: [{ role: "user", content: [image] }] })).toMatchObject({
      status: 400,
      code: "invalid_value",
      message: "400 Invalid value: 'original'. The image detail 'original' is not supported with model 'gpt-4.1'.",
    });
  });

  it("strict mode refuses keywords outside the subset; non-strict takes and answers them", async () => {
    const schema = {
      type: "object",
      properties: { value: { oneOf: [{ type: "string" }, { type: "integer" }] } },
      required: ["value"],
      additionalProperties: false,
    };
    const format = (strict: boolean) => ({ text: { format: { type: "json_schema", name: "answer", schema, strict } } });
    expect(await ask(format(true))).toMatchObject({
      status: 400,
      code: "invalid_json_schema",
      message: "400 Invalid schema for response_format 'answer': In context=('properties', 'value'), 'oneOf' is not permitted.",
    });
    const answered = (await ask({ ...format(false), reasoning: { effort: "none" } })) as OpenAI.Responses.Response;
    expect(JSON.parse(answered.output_text)).toEqual({ value: expect.any(String) });
  });

  it("answer changes: content_filter, failed, cancelled, refusal, missing usage", async () => {
    await control.addFault([
      { kind: "content_filter", path: "/v1/responses" },
      { kind: "failed", path: "/v1/responses" },
      { kind: "cancelled", path: "/v1/responses" },
      { kind: "refusal", path: "/v1/responses" },
      { kind: "missing_usage", path: "/v1/responses" },
    ]);
    const body = { max_output_tokens: 5000, reasoning: { effort: "low" } };
    expect(await ask(body)).toMatchObject({ status: "incomplete", incomplete_details: { reason: "content_filter" } });
    expect(await ask(body)).toMatchObject({ status: "failed", error: { code: "server_error" }, output_text: "" });
    expect(await ask(body)).toMatchObject({ status: "cancelled", output_text: "" });
    const refusal = (await ask(body)) as OpenAI.Responses.Response;
    expect(refusal.output.at(-1)).toMatchObject({
      type: "message",
      content: [{ type: "refusal", refusal: expect.stringContaining("can't help") }],
    });
    expect(await ask(body)).toMatchObject({ status: "completed", usage: null });
  });

  it("billing 429s carry their real codes (insufficient_quota also as the type)", async () => {
    await control.addFault([{ kind: "insufficient_quota" }, { kind: "project_spend_limit_exceeded" }]);
    expect(await ask({})).toMatchObject({ status: 429, code: "insufficient_quota", type: "insufficient_quota" });
    expect(await ask({})).toMatchObject({ status: 429, code: "project_spend_limit_exceeded", type: "invalid_request_error" });
  });

  it("rate limits vary their wait hints", async () => {
    const headersOf = async (hint: string) => {
      await control.addFault({ kind: "rate_limit", retryAfter: 4, hint } as never);
      const error = (await ask({})) as RateLimitError;
      expect(error).toBeInstanceOf(RateLimitError);
      const h = error.headers;
      return [
        h.get("retry-after"),
        h.get("retry-after-ms"),
        h.get("x-ratelimit-reset-requests"),
        error.message.includes("try again in 4s"),
      ];
    };
    expect(await headersOf("retry-after")).toEqual(["4", null, "12ms", false]);
    expect(await headersOf("retry-after-ms")).toEqual([null, "4000", "12ms", false]);
    expect(await headersOf("reset")).toEqual([null, null, "4s", false]);
    expect(await headersOf("message")).toEqual([null, null, "12ms", true]);
  });

  it("a response stream can fail midway with event: error", async () => {
    await control.addFault({ kind: "stream_error", path: "/v1/responses" });
    await control.script("one two three four five six");
    const stream = await client().responses.create({ model: "gpt-6.1-terra", input: "x", stream: true, reasoning: { effort: "none" } });
    const error = await collect(stream).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: undefined, code: "server_error" });
  });

  it("an image stream can fail after its partial images", async () => {
    await control.addFault({ kind: "stream_error", path: "/v1/images/generations" });
    const stream = await client().images.generate({ model: "gpt-image-2", prompt: "x", stream: true, partial_images: 2 });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of stream) seen.push(event.type);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["image_generation.partial_image", "image_generation.partial_image"]);
    expect(error).toMatchObject({ status: undefined, code: "server_error" });
  });

  it("size auto follows the prompt's shape; complexity is refused on the 1.x models", async () => {
    const sizeFor = async (prompt: string) => (await client().images.generate({ model: "gpt-image-2", prompt, size: "auto" })).size;
    expect(await sizeFor("a wide panorama of hills")).toBe("1536x1024");
    expect(await sizeFor("a movie poster")).toBe("1024x1536");
    expect(await sizeFor("an icon")).toBe("1024x1024");
    const error = await client()
      .images.generate({ model: "gpt-image-1.5", prompt: "x", complexity: "low" } as never)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, code: "unsupported_parameter", param: "complexity" });
  });
});

describe("auth and faults", () => {
  const generate = (c = client()) => c.images.generate({ model: "gpt-image-2", prompt: "fault test" });

  it("refuses the invalid key", async () => {
    const error = await generate(client({ apiKey: "sk-invalid" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: "invalid_api_key" });
  });

  it("rate_limit: 429 with retry-after headers, for `times` requests on its path only", async () => {
    await control.addFault({ kind: "rate_limit", path: "/v1/images/generations", retryAfter: 7, times: 2 });
    await client().responses.create({ model: "gpt-6.1-terra", input: "unaffected" });
    for (let i = 0; i < 2; i++) {
      const error = await generate().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RateLimitError);
      const rateLimit = error as RateLimitError;
      expect(rateLimit.code).toBe("rate_limit_exceeded");
      expect(rateLimit.headers.get("retry-after")).toBe("7");
      expect(rateLimit.headers.get("retry-after-ms")).toBe("7000");
      expect(rateLimit.headers.get("x-ratelimit-remaining-requests")).toBe("0");
      expect(rateLimit.requestID).toMatch(/^req_\d+$/);
    }
    await expect(generate()).resolves.toMatchObject({ size: "1024x1024" });
  });

  it("server_error, moderation and invalid_key map to the SDK's error classes", async () => {
    await control.addFault([
      { kind: "server_error" },
      { kind: "moderation" },
      { kind: "invalid_key" },
      { kind: "server_error", status: 503 },
    ]);
    await expect(generate()).rejects.toBeInstanceOf(InternalServerError);
    const moderation = await generate().catch((e: unknown) => e);
    expect(moderation).toBeInstanceOf(BadRequestError);
    expect(moderation).toMatchObject({ code: "moderation_blocked", type: "image_generation_user_error" });
    expect((moderation as BadRequestError).message).toContain("safety system");
    await expect(generate()).rejects.toBeInstanceOf(AuthenticationError);
    await expect(generate()).rejects.toMatchObject({ status: 503 });
  });

  it("timeout: the SDK gives up with APIConnectionTimeoutError", async () => {
    await control.addFault({ kind: "timeout" });
    const started = Date.now();
    await expect(generate(client({ timeout: 300 }))).rejects.toBeInstanceOf(APIConnectionTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("slow: answers normally after the delay", async () => {
    await control.addFault({ kind: "slow", delayMs: 400 });
    const started = Date.now();
    await generate();
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
  });

  it("malformed: bodies and streams the SDK cannot parse", async () => {
    await control.addFault({ kind: "malformed", times: 2 });
    await expect(generate()).rejects.toBeInstanceOf(SyntaxError);
    const stream = await client().responses.create({ model: "gpt-6.1-terra", input: "x", stream: true });
    await expect(collect(stream)).rejects.toThrow(/malformed server-sent event JSON/);
  });

  it("drop: the connection dies mid-response", async () => {
    await control.addFault({ kind: "drop" });
    const error = await generate().catch((e: unknown) => e);
    // A transport failure, not an HTTP error: the SDK has no status to report.
    expect(error).toBeInstanceOf(Error);
    expect((error as { status?: number }).status).toBeUndefined();
    await expect(generate()).resolves.toMatchObject({ output_format: "png" });
  });
});

describe("control API and robustness", () => {
  it("records requests with redacted auth and counts them per path", async () => {
    await client().responses.create({ model: "gpt-6.1-terra", input: "hello" });
    await client().models.list();
    const requests = await control.requests();
    expect(requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ["POST", "/v1/responses", 200],
      ["GET", "/v1/models", 200],
    ]);
    expect(requests[0]?.json).toMatchObject({ model: "gpt-6.1-terra", input: "hello" });
    expect(requests[0]?.headers["authorization"]).toBe("Bearer ***");
    expect(requests[0]?.at).toBeGreaterThan(0);
    const stats = await control.stats();
    expect(stats.byPath).toEqual({ "/v1/responses": 1, "/v1/models": 1 });
    expect(stats.byStatus).toEqual({ "200": 2 });
  });

  it("answers bad input with the error envelope and x-request-id", async () => {
    const send = (path: string, init: RequestInit) => fetch(`${root}${path}`, init);
    const auth = { authorization: "Bearer sk-test" };
    const cases: Array<[Response, number]> = [
      [await send("/v1/images/generations", { method: "POST", headers: auth, body: "{not json" }), 400],
      [await send("/v1/images/generations", { method: "POST", body: "{}" }), 401],
      [await send("/v1/images/edits", { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: "{}" }), 400],
      [
        await send("/v1/images/edits", {
          method: "POST",
          headers: { ...auth, "content-type": "multipart/form-data; boundary=zz" },
          body: "garbage",
        }),
        400,
      ],
      [await send("/v1/responses", { method: "POST", headers: auth, body: "[1,2]" }), 400],
      [await send("/v1/nope", { method: "GET", headers: auth }), 404],
    ];
    for (const [response, status] of cases) {
      expect(response.status).toBe(status);
      expect(response.headers.get("x-request-id")).toMatch(/^req_\d+$/);
      const body = (await response.json()) as { error: Record<string, unknown> };
      expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
    }
  });

  it("serves 32 concurrent requests with a global delay", async () => {
    await control.setDelay(150);
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 32 }, (_, i) => client().images.generate({ model: "gpt-image-2.6-flare", prompt: `load ${i % 4}` })),
    );
    expect(results.every((r) => r.data?.length === 1)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    const stats = await control.stats();
    expect(stats.total).toBe(32);
    expect(stats.maxInFlight).toBeGreaterThan(1);
    expect((await control.settings()).delayMs).toBe(150);
  });
});
