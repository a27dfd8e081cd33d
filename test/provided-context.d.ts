declare module "vitest" {
  interface ProvidedContext {
    fakeOpenAIUrl: string;
    /** Milliseconds the workers pool's clock is moved by under `npm run test:on-date`; 0 otherwise. */
    realClockShiftMs: number;
  }
}
export {};
