/**
 * Timestamps of JSON producers → the `…Z` form of Windows' TimeCreated/@SystemTime. Accepted:
 * `YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]]` followed by `Z`, `±HH:MM`, `±HHMM`, `±HH` or nothing. A zone is applied
 * (the result is UTC); a zone-less one is read in the given zone (UTC by default; see json-time-zone.ts for DST's
 * repeated and skipped wall times). The fraction keeps exactly the digits given (`.32`, `.218638`, `.7110058`).
 * Anything else (epoch numbers, month names) is not a timestamp.
 */
import { UTC_ZONE, wallTimeToUtc, type JsonTimeZone } from './json-time-zone.ts';

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/** A normalized timestamp and whether the input carried a zone (a zone-less one was read in the given zone). */
export interface NormalizedTime {
  iso: string;
  zoned: boolean;
}

/**
 * Normalizes a producer timestamp, reading a zone-less one in `zone` (default UTC); undefined when it is not in an
 * accepted form or not a real date and time. A timestamp's own zone always wins over `zone`.
 */
export function normalizeTimestamp(text: string, zone: JsonTimeZone = UTC_ZONE): NormalizedTime | undefined {
  const m = TIMESTAMP.exec(text.trim());
  if (m === null) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  // setUTCFullYear rolls 31 February over into March: a rolled date was not a real one.
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) return undefined;
  const zoned = m[8] !== undefined || m[9] !== undefined;
  if (m[9] !== undefined) {
    const offsetHours = Number(m[10]);
    const offsetMinutes = m[11] === undefined ? 0 : Number(m[11]);
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    const sign = m[9] === '-' ? -1 : 1;
    date.setTime(date.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000);
  } else if (!zoned) {
    date.setTime(wallTimeToUtc(date.getTime(), zone));
  }
  if (Number.isNaN(date.getTime())) return undefined;
  const fraction = m[7] === undefined ? '' : `.${m[7]}`;
  return { iso: `${date.toISOString().slice(0, 19)}${fraction}Z`, zoned };
}
