// `npm run fake-openai`: runs the fake until killed. PORT picks the port (default 8788); FAKE_TODAY
// (YYYY-MM-DD) the date that decides which models are shut down (default: the test suite's date).

import { startFakeOpenAI } from "./server.ts";

const port = Number(process.env["PORT"] ?? 8788);
const today = process.env["FAKE_TODAY"];
const running = await startFakeOpenAI(port, today ? { today } : {});
console.log(`fake OpenAI listening on ${running.url}`);
console.log(`OPENAI_BASE_URL=${running.url}/v1`);
console.log(`control API: ${running.url}/__fake/ (reset, faults, script, settings, requests, stats)`);

const stop = () => {
  void running.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
