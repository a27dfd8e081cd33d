import { describe, expect, it } from "vitest";
import { base64ToBytes, toBase64 } from "../../src/encoding";

describe("base64ToBytes (trusted upstream base64)", () => {
  it("decodes padded and unpadded base64 to the same bytes", () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 251, 252, 253]);
    const text = toBase64(bytes);
    expect(text.endsWith("=")).toBe(true);
    expect(base64ToBytes(text)).toEqual(bytes);
    expect(base64ToBytes(text.replace(/=+$/, ""))).toEqual(bytes);
  });

  it("decodes a multi-megabyte image's base64 exactly", () => {
    const bytes = new Uint8Array(3_000_000).map((_, i) => (i * 7919) % 256);
    expect(base64ToBytes(toBase64(bytes))).toEqual(bytes);
  });

  it("throws a clear error for text that is not base64", () => {
    expect(() => base64ToBytes("not*base64!")).toThrow("the upstream sent malformed base64");
    expect(() => base64ToBytes("abcde")).toThrow("the upstream sent malformed base64");
  });
});
