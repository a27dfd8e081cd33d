import { clockOn } from "../../src/clock.ts";

/**
 * The date the whole suite runs on (the server's CLOCK_DATE, and the fake OpenAI's
 * "today"), so no verdict depends on the day a suite runs. Tests about a shutdown pin
 * their own dates and say which.
 */
export const SUITE_DATE = "2026-11-25";

/** The server's clock during the suite, for tests that sign or time things as the server sees them. */
export const suiteClock = clockOn(SUITE_DATE);
