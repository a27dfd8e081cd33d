import { createServer } from "node:http";
import type { TestProject } from "vitest/node";

export default async function setup(project: TestProject) {
  const server = createServer((_req, res) => { res.end("ok"); });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  project.provide("fakeOpenAIUrl", `http://127.0.0.1:${address.port}`);
  return () => new Promise<void>((r) => server.close(() => r()));
}
