import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const stubFor = (name: string) => env.REQUEST_COORDINATOR.get(env.REQUEST_COORDINATOR.idFromName(name));
const entry = { assetIds: ["a"], result: { n: 1 }, createdAt: "t" };

describe("RequestCoordinator (one per request hash)", () => {
  it("makes the first caller lead and hands its result to everyone waiting", async () => {
    const stub = stubFor("hash-1");
    expect(await stub.claim(5_000)).toBe("lead");
    expect(await stub.claim(5_000)).toBe("follow");
    const waiting = [stub.wait(), stub.wait()];
    await stub.settle({ ok: true, entry });
    for (const settlement of await Promise.all(waiting)) expect(settlement).toEqual({ ok: true, entry });
    // Settled: the next identical request (a cache miss after deletion, say) leads again.
    expect(await stub.claim(5_000)).toBe("lead");
  });

  it("passes failures on, saying whether a follower may try itself", async () => {
    const stub = stubFor("hash-2");
    await stub.claim(5_000);
    const waiting = stub.wait();
    await stub.settle({ ok: false, message: "blocked by moderation", code: "moderation_blocked", retryable: false });
    expect(await waiting).toMatchObject({ ok: false, retryable: false, message: "blocked by moderation" });
  });

  it("lets followers go when a leader's lease runs out", async () => {
    const stub = stubFor("hash-3");
    expect(await stub.claim(200)).toBe("lead");
    expect(await stub.wait()).toBe("expired");
    expect(await stub.claim(200)).toBe("lead");
  });

  it("keeps different request hashes apart", async () => {
    expect(await stubFor("hash-4").claim(5_000)).toBe("lead");
    expect(await stubFor("hash-5").claim(5_000)).toBe("lead");
  });
});
