import { Tiktoken } from "js-tiktoken/lite";
import o200k from "js-tiktoken/ranks/o200k_base";
import { beforeAll, describe, expect, it } from "vitest";
import { countTokens } from "../../src/openai/tokenizer";

/** js-tiktoken itself, the reference: fine on short pieces, quadratic on long ones. */
let reference: Tiktoken;
beforeAll(() => {
  reference = new Tiktoken(o200k);
});

const referenceCount = (text: string) => reference.encode(text, [], []).length;

describe("countTokens", () => {
  const samples = [
    "",
    "Hello, world!",
    "A watercolor fox sitting in a snowy forest at dawn, soft light, 4k.",
    "Don't panic: it's 42. They'll, we've, I'm, you'd.",
    "   leading and trailing spaces   \n\n\r\n\ttabs\t",
    "12345678901234567890 3.14159 1,000,000",
    "日本語のテキストと中文文本，还有한국어 텍스트.",
    "emoji 🦊🎨🖼️ family 👩‍👩‍👧 flags 🇫🇷🇯🇵",
    "Ünïcödé àccents, ǅ titlecase, ÀÉÎÕÜ, ſ long s",
    "mixedCaseIdentifiersLikeThisOne and snake_case_names_here",
    "<|endoftext|> is plain text here, and so is <|endofprompt|>",
    'JSON: {"type":"object","properties":{"a":{"type":"string"}}}',
    "line\nbreaks\n\n\nand /// slashes //\n",
  ];

  it("matches js-tiktoken exactly on varied text", async () => {
    for (const text of samples) expect(await countTokens(text), text).toBe(referenceCount(text));
  });

  it("matches js-tiktoken exactly on long single pieces (where the merge order matters)", async () => {
    const pieces = [
      "a".repeat(1500),
      "ab".repeat(700),
      "Supercalifragilisticexpialidocious".repeat(40),
      "x9".repeat(600),
      "!?".repeat(700),
      "é".repeat(900),
      "🦊".repeat(300),
      "ThisIsCamelCase".repeat(90),
    ];
    for (const text of pieces) expect(await countTokens(text), text.slice(0, 20)).toBe(referenceCount(text));
  });

  it("matches js-tiktoken on pseudo-random text over a mixed alphabet", async () => {
    const alphabet = "aeiouAEIOU bcdfgTZ0123.,!?'-\n日本🦊é";
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let sample = 0; sample < 20; sample++) {
      const chars = Array.from({ length: 400 }, () => [...alphabet][Math.floor(random() * [...alphabet].length)]);
      const text = chars.join("");
      expect(await countTokens(text), text).toBe(referenceCount(text));
    }
  });

  it("counts special-token strings as ordinary text instead of refusing them", async () => {
    const text = "Draw <|endoftext|> on a sign";
    expect(() => reference.encode(text)).toThrow("The text contains a special token that is not allowed: <|endoftext|>");
    expect(await countTokens(text)).toBe(referenceCount(text));
    expect(await countTokens("<|endoftext|>")).toBeGreaterThan(1);
  });

  it("counts a 32,000-character single word in well under a second", async () => {
    await countTokens("warm up the ranks");
    for (const text of ["a".repeat(32_000), "Q".repeat(32_000), "x9".repeat(16_000), " ".repeat(32_000), "!".repeat(32_000)]) {
      const started = performance.now();
      const tokens = await countTokens(text);
      const ms = performance.now() - started;
      expect(tokens, text.slice(0, 4)).toBeGreaterThan(0);
      expect(ms, `${text.slice(0, 4)}… took ${ms.toFixed(0)} ms`).toBeLessThan(1000);
    }
  });
});
