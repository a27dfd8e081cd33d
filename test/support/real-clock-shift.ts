import { inject } from "vitest";

/**
 * Setup file of the workers project. Under `npm run test:on-date` the Node side runs with
 * libfaketime, which workerd cannot run under; this moves the pool's clock (Date and
 * Date.now, for the tests and the Worker alike, in this isolate) by the same amount, so
 * the whole run sees the chosen date. A no-op in ordinary runs.
 */
const shiftMs = inject("realClockShiftMs");
const RealDate = globalThis.Date;
const alreadyShifted = (RealDate as { shiftedBy?: number }).shiftedBy !== undefined;

if (shiftMs !== 0 && !alreadyShifted) {
  class ShiftedDate extends RealDate {
    static shiftedBy = shiftMs;
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + shiftMs);
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return RealDate.now() + shiftMs;
    }
  }
  // Date() called without `new` (a string) is not used in src or test.
  globalThis.Date = ShiftedDate as unknown as DateConstructor;
}
