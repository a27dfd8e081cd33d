// The fake OpenAI's calendar: `startFakeOpenAI`'s `today` decides which models are shut down,
// as the real API's own date does. Runs in Node (the fake is a Node server).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type RunningFakeOpenAI } from "../fake-openai/server.ts";
import { SUITE_DATE } from "../support/suite-date.ts";

const get = async (fake: RunningFakeOpenAI, path: string) => {
  const response = await fetch(`${fake.url}/v1${path}`, { headers: { authorization: "Bearer sk-test" } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const ids = (body: Record<string, unknown>) => (body["data"] as Array<{ id: string }>).map((m) => m.id);

describe("fake OpenAI today", () => {
  let onSuiteDate: RunningFakeOpenAI;
  let afterShutdown: RunningFakeOpenAI;
  beforeAll(async () => {
    onSuiteDate = await startFakeOpenAI(0);
    afterShutdown = await startFakeOpenAI(0, { today: "2026-12-02" });
  });
  afterAll(async () => {
    await Promise.all([onSuiteDate.close(), afterShutdown.close()]);
  });

  it(`defaults to the suite's date (${SUITE_DATE}), when gpt-image-1.5 still answers`, async () => {
    expect(ids((await get(onSuiteDate, "/models")).body)).toContain("gpt-image-1.5");
    expect((await get(onSuiteDate, "/models/gpt-image-1.5")).status).toBe(200);
  });

  it("on 2026-12-02 gpt-image-1.5 is gone from the list and refused with its shutdown date", async () => {
    expect(ids((await get(afterShutdown, "/models")).body)).not.toContain("gpt-image-1.5");
    expect((await get(afterShutdown, "/models/gpt-image-1.5")).status).toBe(404);
    const response = await fetch(`${afterShutdown.url}/v1/images/generations`, {
      method: "POST",
      headers: { authorization: "Bearer sk-test", "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-image-1.5", prompt: "x" }),
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: { code: "model_not_found", message: expect.stringContaining("was shut down on 2026-12-01") },
    });
  });
});
