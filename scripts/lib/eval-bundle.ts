// Child process for the start-up measurement: compiles and evaluates one bundled Worker module
// in V8 (Node's, the engine workerd embeds), with the runtime's `cloudflare:*` modules stubbed,
// and prints the CPU time that took. Usage: node scripts/lib/eval-bundle.ts <path/to/index.js>
import { register } from "node:module";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const STUB = `
export class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }
export class WorkerEntrypoint { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }
export class WorkflowEntrypoint { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }
export class RpcTarget {}
export class NonRetryableError extends Error {}
export class RpcStub {}
export class EmailMessage {}
export const env = {};
export const exports = {};
export function waitUntil() {}
export default {};
`;
const HOOKS = `
const STUB = ${JSON.stringify(`data:text/javascript,${encodeURIComponent(STUB)}`)};
export async function resolve(specifier, context, next) {
  if (specifier.startsWith("cloudflare:")) return { url: STUB, shortCircuit: true };
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(HOOKS)}`);

const path = process.argv[2];
if (!path) throw new Error("usage: eval-bundle.ts <bundle.js>");
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
const wallMs = performance.now() - wall0;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, wallMs, exports: Object.keys(mod) }));
