/**
 * The server's one clock. Everything that decides by the calendar (model shutdowns,
 * notices, link expiry, record times) asks it; `Date.now()` is read only here.
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

const DAY_MS = 86_400_000;

/**
 * A clock that reads `today` (YYYY-MM-DD) as the current date while time of day and
 * elapsed time run as usual: the real clock shifted by whole days. Tests and local
 * runs use it (CLOCK_DATE) so a verdict never depends on the day a suite runs.
 */
export function clockOn(today: string, real: () => number = Date.now): Clock {
  const target = Date.parse(`${today}T00:00:00Z`);
  return () => {
    const now = real();
    const offset = target - Math.floor(now / DAY_MS) * DAY_MS;
    return new Date(now + offset);
  };
}
