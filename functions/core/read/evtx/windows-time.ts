/**
 * FILETIME and SYSTEMTIME rendered the way Windows renders them in event XML: `2019-05-27T01:28:42.711005800Z`,
 * nine fractional digits of which the last two are always 0 (FILETIME counts 100 ns ticks).
 */

const TICKS_PER_SECOND = 10_000_000;
/** Seconds from 1601-01-01 (the FILETIME epoch) to 1970-01-01. */
const EPOCH_DIFFERENCE_SECONDS = 11_644_473_600;

/** Renders a FILETIME given as its low and high 32-bit halves. */
export function renderFiletime(low: number, high: number): string {
  // high * 2^32 + low exceeds 2^53, so split 2^32 = 429 * 10^7 + 4_967_296 to stay exact in doubles.
  const rest = high * 4_967_296 + low;
  const seconds = high * 429 + Math.floor(rest / TICKS_PER_SECOND);
  const ticks = rest % TICKS_PER_SECOND;
  return `${isoSeconds(seconds - EPOCH_DIFFERENCE_SECONDS)}.${String(ticks).padStart(7, '0')}00Z`;
}

/** Renders a SYSTEMTIME (year, month, day-of-week, day, hour, minute, second, milliseconds as u16). */
export function renderSystemtime(view: DataView, at: number): string {
  const f = (i: number): number => view.getUint16(at + i * 2, true);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(f(0), 4)}-${pad(f(1))}-${pad(f(3))}T${pad(f(4))}:${pad(f(5))}:${pad(f(6))}.${pad(f(7), 3)}000000Z`;
}

// Records of a log arrive in time order, many within the same second: remember the last rendering.
let lastSeconds = Number.NaN;
let lastIso = '';

/** `YYYY-MM-DDTHH:MM:SS` of a Unix time in seconds (years beyond 9999 come out with a sign, as ISO allows). */
function isoSeconds(unixSeconds: number): string {
  if (unixSeconds === lastSeconds) return lastIso;
  const date = new Date(unixSeconds * 1000);
  const iso = Number.isNaN(date.getTime()) ? '+275760-09-13T00:00:00' : date.toISOString().slice(0, -5);
  lastSeconds = unixSeconds;
  lastIso = iso;
  return iso;
}
