/**
 * FILETIME and SYSTEMTIME rendered the way Windows renders them in event XML: `2019-05-27T01:28:42.711005800Z`,
 * nine fractional digits of which the last two are always 0 (FILETIME counts 100 ns ticks).
 */

const TICKS_PER_SECOND = 10_000_000;
/** Seconds from 1601-01-01 (the FILETIME epoch) to 1970-01-01. */
const EPOCH_DIFFERENCE_SECONDS = 11_644_473_600;

/** Renders a FILETIME given as its low and high 32-bit halves. */
export function renderFiletime(low: number, high: number): string {
  // high * 2^32 + low exceeds 2^53, so split high = q * 10^7 + r and 2^32 = 429 * 10^7 + 4_967_296: every product
  // stays below 2^53 and exact in doubles (splitting only 2^32 lost the last tick beyond about the year 30000).
  const q = Math.floor(high / TICKS_PER_SECOND);
  const r = high - q * TICKS_PER_SECOND;
  const rest = r * 4_967_296 + low;
  const seconds = q * 4_294_967_296 + r * 429 + Math.floor(rest / TICKS_PER_SECOND);
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
  lastSeconds = unixSeconds;
  lastIso = civilIso(unixSeconds) ?? dateIso(unixSeconds);
  return lastIso;
}

/**
 * Days to a proleptic Gregorian date by arithmetic (H. Hinnant's civil_from_days), because Date + toISOString was a
 * hot spot; undefined outside years 0-9999, which the Date path renders (with its sign and six-digit year).
 */
function civilIso(unixSeconds: number): string | undefined {
  const days = Math.floor(unixSeconds / 86_400);
  const secondOfDay = unixSeconds - days * 86_400;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return undefined;
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay % 3600) / 60);
  const second = secondOfDay % 60;
  return `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function dateIso(unixSeconds: number): string {
  const date = new Date(unixSeconds * 1000);
  return Number.isNaN(date.getTime()) ? '+275760-09-13T00:00:00' : date.toISOString().slice(0, -5);
}
