import { z } from "zod";
import { recentAssetIds, startingWith } from "../mcp/completions";
import { definePrompt } from "../mcp/definitions";

/** Styles that suit sprites, icons and props: offered while the user types a style. */
const ASSET_STYLES = [
  "pixel art, 32x32 look",
  "pixel art, 16-bit console look",
  "flat vector icon",
  "isometric, clean outlines",
  "hand-painted, soft shading",
  "low-poly 3D render",
  "cel-shaded cartoon",
  "realistic product shot",
];

/** What a UI review most often concentrates on. */
const REVIEW_FOCUSES = [
  "accessibility and contrast",
  "the navigation",
  "the forms and their validation messages",
  "the call to action",
  "spacing and alignment",
  "copy and wording",
];

const user = (text: string) => ({ role: "user" as const, content: { type: "text" as const, text } });

export const gameAssetPrompt = definePrompt({
  name: "game_asset",
  title: "Make a game or app asset",
  description: "Generates a sprite, icon or prop on a transparent background, checks it against the brief, and fixes it if needed.",
  args: z.object({
    subject: z.string().describe("What the asset shows, e.g. 'a wooden treasure chest'."),
    style: z.string().optional().describe("Art style, e.g. 'pixel art, 32x32 look' or 'flat vector icon'."),
  }),
  complete: { style: async (typed) => startingWith(ASSET_STYLES, typed) },
  render: ({ subject, style }) => [
    user(
      [
        `Make a game asset: ${subject}${style ? `, in this style: ${style}` : ""}.`,
        '1. Call generate_image with a precise prompt (single centred object, no text, no shadow on the ground), background "transparent", output_format "png", size "1024x1024", and verify: true.',
        "2. If the verification says it does not match, call edit_image on the result's asset id with a prompt that fixes the listed differences.",
        "3. Reply with the final asset id and its download URL.",
      ].join("\n"),
    ),
  ],
});

/** The findings schema the review prompt asks for: inside OpenAI's strict subset (a test checks it), so it goes strict. */
export const REVIEW_FINDINGS_SCHEMA = {
  type: "object",
  properties: {
    findings: {
      type: "array",
      items: {
        type: "object",
        properties: {
          severity: { type: "string", enum: ["high", "medium", "low"] },
          area: { type: "string" },
          problem: { type: "string" },
          fix: { type: "string" },
        },
        required: ["severity", "area", "problem", "fix"],
        additionalProperties: false,
      },
    },
  },
  required: ["findings"],
  additionalProperties: false,
};

export const reviewScreenshotPrompt = definePrompt({
  name: "review_screenshot",
  title: "Review a UI screenshot",
  description: "Reviews a screenshot for layout, legibility, accessibility and copy problems, with a structured list of findings.",
  args: z.object({
    image: z.string().describe("The screenshot: an asset id, an https URL or a data URL."),
    focus: z.string().optional().describe("What to look at most, e.g. 'the checkout form'."),
  }),
  complete: {
    // Screenshots already stored here, by asset id; URLs and data URLs are typed in full.
    image: async (typed, services) => recentAssetIds(services, typed, "image"),
    focus: async (typed) => startingWith(REVIEW_FOCUSES, typed),
  },
  render: ({ image, focus }) => [
    user(
      [
        `Review this UI screenshot${focus ? `, focusing on ${focus}` : ""}: ${image}`,
        'Call analyze_image with detail "high" and this schema so the findings come back as JSON:',
        JSON.stringify(REVIEW_FINDINGS_SCHEMA),
        "Then summarise the findings, most severe first.",
      ].join("\n"),
    ),
  ],
});
