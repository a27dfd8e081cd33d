// Starts the fake on 127.0.0.1; the OpenAI API lives under `${url}/v1`, the control API under
// `${url}/__fake/`.

import { createServer } from "node:http";
import { SUITE_DATE } from "../support/suite-date.ts";
import { createFakeOpenAI, type FakeOpenAI } from "./handler.ts";

export interface RunningFakeOpenAI {
  /** e.g. http://127.0.0.1:8788 (no trailing slash, no /v1). */
  url: string;
  fake: FakeOpenAI;
  close(): Promise<void>;
}

export interface StartOptions {
  /** The fake's date (YYYY-MM-DD), which decides the models that are shut down. Default: the suite's date. */
  today?: string;
}

export async function startFakeOpenAI(port = 0, options: StartOptions = {}): Promise<RunningFakeOpenAI> {
  const fake = createFakeOpenAI({ today: options.today ?? SUITE_DATE });
  const server = createServer({ keepAliveTimeout: 30_000, requestTimeout: 0 }, (req, res) => fake.handle(req, res));
  // Load tests open many sockets at once; the default backlog is fine, but lift any cap.
  server.maxConnections = Infinity;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("fake-openai: no TCP address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    fake,
    close: () =>
      new Promise<void>((resolve) => {
        // Requests held open by a "timeout" fault would otherwise keep close() waiting.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
