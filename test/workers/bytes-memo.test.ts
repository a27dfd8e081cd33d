import { describe, expect, it } from "vitest";
import { BytesMemo } from "../../src/store/bytes-memo";

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

describe("BytesMemo", () => {
  it("keeps at most maxBytes, evicting the least recently used first", () => {
    const memo = new BytesMemo(10);
    memo.set("a", bytes(4));
    memo.set("b", bytes(4));
    expect(memo.get("a")?.byteLength).toBe(4); // a is now the most recent
    memo.set("c", bytes(4)); // 12 > 10: b goes
    expect(memo.get("b")).toBeUndefined();
    expect(memo.get("a")?.byteLength).toBe(4);
    expect(memo.get("c")?.byteLength).toBe(4);
    expect(memo.bytes).toBe(8);
  });

  it("never holds an entry larger than the whole budget, and forgets deleted keys", () => {
    const memo = new BytesMemo(10);
    memo.set("big", bytes(11));
    expect(memo.get("big")).toBeUndefined();
    memo.set("a", bytes(3));
    memo.set("a", bytes(5, 2)); // replacing counts the new size only
    expect(memo.bytes).toBe(5);
    memo.delete("a");
    expect(memo.get("a")).toBeUndefined();
    expect(memo.bytes).toBe(0);
  });
});
