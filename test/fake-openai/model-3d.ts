// Answers for the 3D loop's structured outputs, as a real model would give them: a part spec
// for a planning schema (the compiler's spec schema) and a critique for a critique schema.
// The fake reads the schema it was sent, like the real model does, so any request with such a
// schema gets such an answer. By default the answers are deterministic (a small model whose
// colour follows the description; critiques score 0.9 with no problems and echo the spec
// back); a seed makes planning produce random schema-valid specs (test/support/random-spec.ts)
// and critiques random scores and problems. Scripts (/__fake/script) override both.

import { randomSpec } from "../support/random-spec.ts";

type Schema = Record<string, unknown>;

function propertiesOf(schema: Schema): Record<string, unknown> {
  const properties = schema["properties"];
  return typeof properties === "object" && properties !== null ? (properties as Record<string, unknown>) : {};
}

export function isSpecSchema(schema: Schema): boolean {
  const keys = Object.keys(propertiesOf(schema));
  return keys.includes("parts") && keys.includes("materials") && keys.includes("options");
}

export function isCritiqueSchema(schema: Schema): boolean {
  const keys = Object.keys(propertiesOf(schema));
  return keys.includes("questions") && keys.includes("score") && keys.includes("problems");
}

/** The JSON object that follows `marker` in the prompt (the loop puts the current spec there). */
function specAfter(texts: string[], marker: string): Record<string, unknown> | undefined {
  for (const text of texts) {
    const at = text.indexOf(marker);
    if (at < 0) continue;
    const rest = text.slice(at + marker.length).trim();
    try {
      return JSON.parse(rest) as Record<string, unknown>;
    } catch {
      // The spec is the prompt's last line; anything else is not a spec.
    }
  }
  return undefined;
}

function descriptionOf(texts: string[]): string {
  for (const text of texts) {
    const match = /^Description: (.*)$/m.exec(text);
    if (match?.[1]) return match[1];
  }
  return "an object";
}

/** A colour that follows the description, so different requests give different models. */
function colourFor(text: string): string {
  let hash = 0;
  for (const char of text) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) >>> 0;
  return `#${(hash & 0xffffff).toString(16).padStart(6, "0")}`;
}

const NO_PLACEMENT = { position: null, rotation: null, scale: null, attach: null, mirror: null, array: null };
const MATERIAL_DEFAULTS = { metallic: null, roughness: null, emissive: null, emissive_strength: null, opacity: null, double_sided: null };

/** A small, plausible model: a body, a lid on top and a band across it, every part touching. */
function plainSpec(description: string): Record<string, unknown> {
  return {
    name: description.slice(0, 100),
    materials: [
      { name: "main", color: colourFor(description), ...MATERIAL_DEFAULTS, roughness: 0.7 },
      { name: "trim", color: "#3a3a3a", ...MATERIAL_DEFAULTS, metallic: 0.8, roughness: 0.4 },
    ],
    parts: [
      {
        id: "body",
        parent: null,
        shape: { type: "box", size: [0.8, 0.45, 0.5] },
        material: "main",
        ...NO_PLACEMENT,
        position: [0, 0.225, 0],
      },
      {
        id: "lid",
        parent: "body",
        shape: { type: "box", size: [0.8, 0.15, 0.5] },
        material: "main",
        ...NO_PLACEMENT,
        attach: { to: "body", side: "top", offset: null },
      },
      {
        id: "band",
        parent: "body",
        shape: { type: "box", size: [0.06, 0.47, 0.52] },
        material: "trim",
        ...NO_PLACEMENT,
        attach: { to: "body", side: "center", offset: [0.25, 0, 0] },
        mirror: ["x"],
      },
    ],
    options: null,
  };
}

/** An edit as a model would make one: the spec kept, plus a knob on top of the first root part. */
function editedSpec(base: Record<string, unknown>, count: number): Record<string, unknown> {
  const parts = Array.isArray(base["parts"]) ? (base["parts"] as Array<Record<string, unknown>>) : [];
  const root = parts.find((p) => p["parent"] === null) ?? parts[0];
  if (!root) return base;
  const knob = {
    id: `knob_${count}`,
    parent: root["id"],
    shape: { type: "sphere", radius: 0.05, segments: 12 },
    material: root["material"] ?? null,
    ...NO_PLACEMENT,
    attach: { to: root["id"], side: "top", offset: null },
  };
  return { ...base, parts: [...parts, knob] };
}

/** mulberry32 over the seed and the answer count: a fixed sequence per seed. */
function randomOf(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class ModelDesigner {
  /** Null: deterministic answers; a number: random specs and scores from this seed. */
  seed: number | null = null;
  private answers = 0;

  reset(): void {
    this.seed = null;
    this.answers = 0;
  }

  /** A planning answer: a new spec, or the given spec edited. */
  plan(texts: string[]): unknown {
    this.answers += 1;
    const base = specAfter(texts, "The current spec (JSON):");
    if (this.seed !== null) return randomSpec(this.seed + this.answers);
    return base ? editedSpec(base, this.answers) : plainSpec(descriptionOf(texts));
  }

  critique(texts: string[], withRevision: boolean): unknown {
    this.answers += 1;
    const description = descriptionOf(texts);
    const spec = specAfter(texts, "The spec (JSON):") ?? plainSpec(description);
    const random = this.seed === null ? undefined : randomOf(this.seed * 7919 + this.answers);
    const score = random ? Math.round(random() * 100) / 100 : 0.9;
    const problems = random && random() < 0.5 ? [{ kind: "structural", description: "A part is missing." }] : [];
    const questions = [
      "Is it recognisable as described",
      "Are the proportions right",
      "Are the colours right",
      "Do all parts touch",
      "Does it stand on the ground",
    ].map((question) => ({
      question: `${question} (${description.slice(0, 60)})?`,
      answer: score >= 0.5 ? "yes" : "no",
      evidence: "Seen in the front and three-quarter views.",
    }));
    const answer: Record<string, unknown> = { questions, score, problems };
    if (withRevision) answer["revised_spec"] = random ? randomSpec(this.seed! + 1000 + this.answers) : spec;
    return answer;
  }
}
