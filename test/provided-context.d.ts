declare module "vitest" {
  interface ProvidedContext {
    fakeOpenAIUrl: string;
  }
}
export {};
