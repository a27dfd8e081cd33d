// End to end for create_3d_model: the real bundle under `wrangler dev`, pointed at the fake
// OpenAI, turns a description into a GLB through a job (a short wait returns a handle, get_job
// delivers), and the GLB downloads through its signed link and passes the Khronos validator.
import { validateBytes } from "gltf-validator";
import { describe, expect, it } from "vitest";
import { useStackClient } from "../support/stack-client";
import { callOk, sha256Hex } from "./clients";

const TOKEN = "e2e-create3d-token-0123456789abcdef";
const SIGNING_KEY = "e2e-create3d-signing-key-0123456789abcdefghij";

const e2e = useStackClient({ token: TOKEN, signingKey: SIGNING_KEY });

type Created = {
  model: { id: string; mimeType: string; bytes: number; downloadUrl: string };
  report: { validator: { errors: number } };
  passes: Array<{ score: number | null; kept: boolean }>;
  lineage: { concept: string | null };
};

describe("create_3d_model under wrangler dev", () => {
  it("turns a description into a downloadable, validator-clean GLB, through get_job after a short wait", async () => {
    // Upstream latency the short wait cannot cover: the call must hand back a job.
    await e2e.stack.control.setDelay(1500);
    const started = await callOk(e2e.client, "create_3d_model", {
      description: "a low-poly wooden treasure chest with iron bands",
      refine_passes: 1,
      wait_seconds: 1,
    });
    const job = (started.structuredContent as { job?: { id: string; status: string } }).job;
    expect(job, JSON.stringify(started.structuredContent)).toBeDefined();
    expect(["queued", "running"]).toContain(job!.status);

    const done = (await callOk(e2e.client, "get_job", { job_id: job!.id, wait_seconds: 120 })).structuredContent as Created & {
      job: { status: string };
    };
    expect(done.job.status).toBe("succeeded");
    expect(done.report.validator.errors).toBe(0);
    expect(done.passes.filter((p) => p.kept)).toHaveLength(1);
    expect(done.lineage.concept).toMatch(/^[0-9a-f]{64}$/);

    const response = await fetch(done.model.downloadUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("model/gltf-binary");
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(sha256Hex(bytes)).toBe(done.model.id);
    const report = await validateBytes(bytes, { format: "glb" });
    expect(report.issues.numErrors).toBe(0);
    const paths = (await e2e.stack.control.requests()).map((r) => r.path);
    expect(paths.filter((p) => p === "/v1/images/generations")).toHaveLength(1);
    expect(paths.filter((p) => p === "/v1/responses")).toHaveLength(2);
  }, 180_000);
});
