export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const r = await fetch(new URL("/v1/models", (env as any).OPENAI_BASE_URL).toString().replace("/v1/v1", "/v1"));
    return new Response("hi " + (await r.text()));
  },
};
export class MediaMcpAgent {}
