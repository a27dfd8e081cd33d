/**
 * What process_image asks of a binding that applies everything (production): the local binding
 * ignores effects and draw, so these tests record the calls the processor makes (passing them to
 * the real local binding for bytes) and check each operation's options, plus the refusal logic
 * against capabilities where everything is available or nothing is.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ImagingCapabilities } from "../../src/imaging/binding-capabilities";
import { Operation, type Operation as Op } from "../../src/imaging/operations";
import { ImageProcessor, refuseUnavailable } from "../../src/imaging/processor";
import { ToolError } from "../../src/errors";
import { gradientPng, solidPng } from "../support/png";

type Call = { transforms: ImageTransform[]; draws: ImageDrawOptions[]; output?: ImageOutputOptions };

/** The real local binding, with every call it receives written down. */
function recordingBinding(): { binding: ImagesBinding; calls: Call[] } {
  const calls: Call[] = [];
  const binding: ImagesBinding = {
    info: (stream, options) => env.IMAGES.info(stream, options),
    input(stream, options) {
      const call: Call = { transforms: [], draws: [] };
      calls.push(call);
      let real = env.IMAGES.input(stream, options);
      const transformer: ImageTransformer = {
        transform(transform) {
          call.transforms.push(transform);
          real = real.transform(transform);
          return transformer;
        },
        draw(image, drawOptions) {
          call.draws.push(drawOptions ?? {});
          real = real.draw(image, drawOptions);
          return transformer;
        },
        output(output) {
          call.output = output;
          return real.output(output);
        },
      };
      return transformer;
    },
  } as ImagesBinding;
  return { binding, calls };
}

const parse = (op: unknown): Op => Operation.parse(op);

describe("the options each operation sends", () => {
  it.each([
    [{ op: "flip", direction: "horizontal" }, { flip: "h" }],
    [{ op: "flip", direction: "vertical" }, { flip: "v" }],
    [{ op: "flip", direction: "both" }, { flip: "hv" }],
    [{ op: "blur", radius: 12 }, { blur: 12 }],
    [{ op: "sharpen", amount: 3 }, { sharpen: 3 }],
    [{ op: "brightness", value: 1.4 }, { brightness: 1.4 }],
    [{ op: "contrast", value: 0.6 }, { contrast: 0.6 }],
    [{ op: "gamma", value: 2.2 }, { gamma: 2.2 }],
    [{ op: "rotate", degrees: 270 }, { rotate: 270 }],
    [
      { op: "resize", width: 10, height: 10, fit: "pad", background: "#112233" },
      { width: 10, height: 10, fit: "pad", gravity: "center", background: "#112233" },
    ],
    [
      { op: "resize", height: 10, fit: "cover", gravity: "left" },
      { height: 10, fit: "cover", gravity: "left" },
    ],
  ])("%j becomes one binding call with %j, written as PNG", async (op, transform) => {
    const { binding, calls } = recordingBinding();
    await new ImageProcessor(binding).run({ bytes: await gradientPng(20, 20), width: 20, height: 20 }, [parse(op)], []);
    expect(calls).toEqual([{ transforms: [transform], draws: [], output: { format: "image/png" } }]);
  });

  it.each([
    [
      { position: "bottom-right", margin: 8, opacity: 0.5, repeat: "none" },
      { opacity: 0.5, bottom: 8, right: 8 },
    ],
    [
      { position: "top-left", opacity: 1, repeat: "both" },
      { opacity: 1, top: 0, left: 0, repeat: true },
    ],
    [
      { position: "center", opacity: 0.25, repeat: "x" },
      { opacity: 0.25, repeat: "x" },
    ],
  ])("overlay %j draws with %j", async (options, drawn) => {
    const { binding, calls } = recordingBinding();
    const overlay = await solidPng(4, 4, [0, 0, 0, 255]);
    await new ImageProcessor(binding).run(
      { bytes: await gradientPng(20, 20), width: 20, height: 20 },
      [parse({ op: "overlay", image: "x", ...options })],
      [overlay],
    );
    expect(calls).toEqual([{ transforms: [], draws: [drawn], output: { format: "image/png" } }]);
  });

  it("crops with at most two cover cuts per axis, skipping cuts at an edge", async () => {
    const { binding, calls } = recordingBinding();
    const processor = new ImageProcessor(binding);
    await processor.crop({ bytes: await gradientPng(20, 10), width: 20, height: 10 }, { left: 2, top: 3, width: 5, height: 4 }, "crop");
    expect(calls.map((c) => c.transforms)).toEqual([
      [{ width: 20, height: 7, fit: "cover", gravity: "top" }],
      [{ width: 20, height: 4, fit: "cover", gravity: "bottom" }],
      [{ width: 7, height: 4, fit: "cover", gravity: "left" }],
      [{ width: 5, height: 4, fit: "cover", gravity: "right" }],
    ]);
    calls.length = 0;
    await processor.crop({ bytes: await gradientPng(20, 10), width: 20, height: 10 }, { left: 0, top: 0, width: 20, height: 6 }, "crop");
    expect(calls.map((c) => c.transforms)).toEqual([[{ width: 20, height: 6, fit: "cover", gravity: "top" }]]);
  });

  it("encodes the final output with the quality asked for", async () => {
    const { binding, calls } = recordingBinding();
    await new ImageProcessor(binding).encode({ bytes: await gradientPng(8, 8), width: 8, height: 8 }, "webp", 70);
    expect(calls).toEqual([{ transforms: [], draws: [], output: { format: "image/webp", anim: false, quality: 70 } }]);
  });
});

describe("cancellation", () => {
  it("stops between binding calls once the call is aborted", async () => {
    const { binding, calls } = recordingBinding();
    const controller = new AbortController();
    const processor = new ImageProcessor(binding);
    const sheet = { bytes: await gradientPng(16, 16), width: 16, height: 16 };
    const running = processor.run(
      sheet,
      [parse({ op: "rotate", degrees: 90 }), parse({ op: "rotate", degrees: 90 })],
      [],
      controller.signal,
    );
    controller.abort();
    await expect(running).rejects.toThrow("The call was cancelled or ran out of time; nothing was stored.");
    expect(calls.length).toBeLessThanOrEqual(1);
  });
});

describe("refuseUnavailable", () => {
  const everything: ImagingCapabilities = {
    resize: true,
    rotate: true,
    convert: ["png", "jpeg", "webp", "avif", "gif"],
    fits: ["scale-down", "contain", "cover", "crop", "pad", "squeeze"],
    crop: true,
    quality: true,
    unavailable: [],
  };
  const all = [
    { op: "resize", width: 5, fit: "pad" },
    { op: "crop", left: 0, top: 0, width: 1, height: 1 },
    { op: "trim", top: 1 },
    { op: "rotate", degrees: 90 },
    { op: "flip", direction: "both" },
    { op: "blur", radius: 2 },
    { op: "sharpen", amount: 1 },
    { op: "brightness", value: 1.1 },
    { op: "contrast", value: 1.1 },
    { op: "gamma", value: 1.1 },
    { op: "overlay", image: "x" },
    { op: "pad_to_power_of_two" },
    { op: "slice", columns: 2, rows: 2 },
  ].map(parse);

  it("lets every operation through where the binding applies everything (as deployed)", () => {
    expect(() => refuseUnavailable(all, { format: "avif", quality: 50 }, everything)).not.toThrow();
  });

  it("names the fit a binding cannot do, and the probe's failure when there was one", () => {
    const error = (() => {
      try {
        refuseUnavailable(
          [parse({ op: "resize", width: 5, fit: "squeeze" })],
          { format: "png" },
          {
            ...everything,
            fits: [],
            unavailable: ["fit squeeze"],
            probeError: "the Images binding could not process a generated 16x12 PNG: boom",
          },
        );
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).message).toBe(
      "operations[0] (resize): unavailable here, works when deployed — the Images binding where this server runs does not apply fit squeeze (the binding could not be probed: the Images binding could not process a generated 16x12 PNG: boom) (measured, see server_status). Remove this operation, or run it on the deployed server.",
    );
    expect((error as ToolError).code).toBe("unsupported");
  });

  it("refuses an output format the binding cannot write", () => {
    expect(() =>
      refuseUnavailable([parse({ op: "rotate", degrees: 90 })], { format: "avif" }, { ...everything, unavailable: ["avif output"] }),
    ).toThrow(
      "format: avif output is unavailable here, works when deployed — the Images binding where this server runs cannot write it. Choose png, jpeg or webp.",
    );
  });
});
