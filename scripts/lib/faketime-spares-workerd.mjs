// Loaded into every Node process of `npm run test:on-date` (NODE_OPTIONS=--import).
// libfaketime deadlocks workerd at start-up (even `workerd --version` hangs under it), so
// workerd is started without it; test/support/real-clock-shift.ts moves the workers
// pool's clock to the same date instead. Node (runner, fake OpenAI, e2e clients) keeps it.
import childProcess from "node:child_process";
import { basename } from "node:path";

const spawn = childProcess.spawn;
childProcess.spawn = function spawnWithoutFaketimeForWorkerd(command, args, options) {
  if (typeof command === "string" && basename(command) === "workerd" && options && typeof options === "object") {
    const env = { ...(options.env ?? process.env) };
    delete env.LD_PRELOAD;
    delete env.FAKETIME;
    return spawn.call(this, command, args, { ...options, env });
  }
  return spawn.apply(this, arguments);
};
