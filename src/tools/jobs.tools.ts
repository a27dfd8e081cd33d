import { z } from "zod";
import { defineTool } from "../mcp/definitions";
import { answerFor, callerKey, handleOf, JobHandleOut, visibleJob, waitForJob, waitSecondsField } from "../jobs/job-runner";
import { trackerFor, type JobRecord } from "../jobs/job-state";

const jobIdField = z
  .string()
  .trim()
  .min(1, "job_id: give the id from a job handle (structuredContent.job.id) or from list_jobs.")
  .max(64, "job_id: too long; job ids look like job_ followed by 32 hex digits.")
  .describe("The job's id, from a job handle (structuredContent.job.id) or list_jobs.");

export const getJob = defineTool({
  name: "get_job",
  title: "Get a job's result",
  description:
    "Follows paid work that outlived its call (generate_image, edit_image, analyze_image, check_image and verify: true return a job handle when they take longer than wait_seconds). Waits up to wait_seconds for the job, then returns its status and, once it succeeded, exactly the result the original tool returns (with `job` beside it); a failed job returns its error. Fetching the result costs nothing more.",
  input: z.object({ job_id: jobIdField, wait_seconds: waitSecondsField }),
  output: z
    .looseObject({ job: JobHandleOut })
    .describe("The job handle, plus every field of the original tool's result once the job succeeded."),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(args, ctx) {
    const record = await visibleJob(ctx.services, args.job_id);
    const finished = await waitForJob(ctx, record.id, args.wait_seconds * 1000);
    const output = await answerFor(ctx.services, finished, finished.callers[0] !== callerKey(ctx.services), { withHandle: true });
    return { ...output, structured: { job: handleOf(finished), ...output.structured } };
  },
});

export const cancelJob = defineTool({
  name: "cancel_job",
  title: "Cancel a job",
  description:
    "Stops a running job: its upstream OpenAI request is aborted, nothing is stored, and its status becomes cancelled (for everyone who joined it). A finished job is left as it is. Cancelling your own wait for a tool call does not stop the job; this does.",
  input: z.object({ job_id: jobIdField }),
  output: z.object({ job: JobHandleOut }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run(args, ctx) {
    const record = await visibleJob(ctx.services, args.job_id);
    const tracker = trackerFor(ctx.services.jobs.trackers, record.id);
    await tracker.requestCancel();
    // The running step notices the flag within a fraction of a second and records `cancelled`.
    const settled = await waitForJob(ctx, record.id, 10_000);
    const job = handleOf(settled);
    const summary =
      settled.status === "cancelled"
        ? `Job ${record.id} (${record.tool}) is cancelled: the upstream request was aborted and nothing was stored.`
        : settled.status === "succeeded" || settled.status === "failed"
          ? `Job ${record.id} had already ${settled.status === "succeeded" ? "succeeded" : "failed"}; nothing was cancelled. Call get_job for its ${settled.status === "succeeded" ? "result" : "error"}.`
          : `Cancellation of job ${record.id} was requested; it stops at its next check. Call get_job to confirm.`;
    return { structured: { job }, summary };
  },
});

const ListedJobOut = z.object({
  id: z.string(),
  tool: z.string(),
  status: z.enum(["queued", "running", "succeeded", "failed", "cancelled"]),
  stage: z.string(),
  age_seconds: z.number().int(),
  error: z.string().optional(),
});

export const listJobs = defineTool({
  name: "list_jobs",
  title: "List your recent jobs",
  description:
    "Lists the jobs you started or joined in the last 7 days, newest first: id, tool, status, stage and age. Use get_job to fetch a result, cancel_job to stop one.",
  input: z.object({
    limit: z
      .number()
      .int()
      .min(1, "limit: must be between 1 and 50.")
      .max(50, "limit: must be between 1 and 50.")
      .default(20)
      .describe("How many jobs (1–50)."),
  }),
  output: z.object({ jobs: z.array(ListedJobOut) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(args, ctx) {
    const listed = await ctx.services.jobs.index.recent(callerKey(ctx.services), args.limit);
    const ids = [...new Set(listed.map((job) => job.id))];
    const records = await Promise.all(ids.map((id) => trackerFor(ctx.services.jobs.trackers, id).snapshot()));
    const jobs = records
      .filter((record): record is JobRecord => record !== null)
      .map((record) => {
        const { id, tool, status, stage, age_seconds } = handleOf(record);
        return { id, tool, status, stage, age_seconds, ...(record.error ? { error: record.error.message } : {}) };
      });
    const summary = jobs.length
      ? `${jobs.length} recent job(s): ${jobs.map((j) => `${j.id} ${j.tool} ${j.status}`).join("; ")}.`
      : "You have no jobs from the last 7 days.";
    return { structured: { jobs }, summary };
  },
});
