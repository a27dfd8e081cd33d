// Vitest global setup: one fake OpenAI for the whole run; tests read its URL with
// `inject("fakeOpenAIUrl")` (the API is under `${url}/v1`).

import type { TestProject } from "vitest/node";
import { startFakeOpenAI } from "./server.ts";

declare module "vitest" {
  interface ProvidedContext {
    fakeOpenAIUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const running = await startFakeOpenAI(0);
  project.provide("fakeOpenAIUrl", running.url);
  return () => running.close();
}
