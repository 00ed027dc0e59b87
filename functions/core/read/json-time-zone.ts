/**
 * The zone in which zone-less JSON timestamps are read (NXLog's `EventTime`, OTRF datasets: the shipper host's local time,
 * written without a zone). Splunk applies the sourcetype's `TZ` (props.conf) or the forwarder host's zone; we cannot know
 * either, so the default is UTC (a UTC indexer's reading) and the zone is an option. Parsed once, validated here.
 */

/** UTC, a fixed offset from UTC, or an IANA zone whose offset follows its rules (DST included). */
export type JsonTimeZone =
  | { kind: 'utc' }
  | { kind: 'offset'; text: string; minutes: number }
  | { kind: 'iana'; name: string; format: Intl.DateTimeFormat };

/** The default: zone-less timestamps are UTC. */
export const UTC_ZONE: JsonTimeZone = Object.freeze({ kind: 'utc' });

/** A zone string that is neither UTC, a fixed offset nor a known IANA zone name. */
export class TimeZoneError extends Error {
  override name = 'TimeZoneError';
}

const OFFSET = /^([+-])(\d{2})(?::?(\d{2}))?$/;

/**
 * Validates a zone: `UTC` or `Z` (any case), a fixed offset `±HH:MM`, `±HHMM` or `±HH` (as a timestamp may carry; at most
 * 23:59), or an IANA name (`Europe/Berlin`, `America/New_York`) that this Node's ICU knows. Throws TimeZoneError.
 */
export function parseJsonTimeZone(text: string): JsonTimeZone {
  const trimmed = text.trim();
  if (/^(?:utc|z)$/i.test(trimmed)) return UTC_ZONE;
  const offset = OFFSET.exec(trimmed);
  if (offset !== null) {
    const hours = Number(offset[2]);
    const minutes = offset[3] === undefined ? 0 : Number(offset[3]);
    if (hours > 23 || minutes > 59) throw new TimeZoneError(`"${text}" is not a valid offset: hours 00–23, minutes 00–59`);
    return Object.freeze({ kind: 'offset', text: trimmed, minutes: (offset[1] === '-' ? -1 : 1) * (hours * 60 + minutes) });
  }
  // Intl accepts only names (and, in newer engines, offsets, handled above); it throws RangeError on an unknown one.
  if (/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(trimmed)) {
    try {
      const format = new Intl.DateTimeFormat('en-US', {
        timeZone: trimmed,
        calendar: 'gregory',
        numberingSystem: 'latn',
        hourCycle: 'h23',
        era: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
      return Object.freeze({ kind: 'iana', name: format.resolvedOptions().timeZone, format });
    } catch {
      // Reported below.
    }
  }
  throw new TimeZoneError(`"${text}" is not UTC, an offset (+02:00, -0530, +01) or an IANA time zone name (Europe/Berlin)`);
}

/** How a zone is written back (summaries, messages): `UTC`, the offset as given, or the IANA name. */
export function jsonTimeZoneText(zone: JsonTimeZone): string {
  switch (zone.kind) {
    case 'utc':
      return 'UTC';
    case 'offset':
      return zone.text;
    case 'iana':
      return zone.name;
  }
}

const DAY_MS = 86_400_000;

/**
 * The UTC instant (ms) of a wall time in the zone; `wallMs` is that wall time written as if it were UTC, whole seconds.
 * IANA zones: a wall time that occurs twice (DST ends) is its first occurrence, the earlier instant; one that does not
 * occur (the gap when DST starts) is moved forward by the gap (02:30 on a one-hour spring-forward day is 03:30), as
 * Temporal's `compatible`, java.time and date-fns-tz do.
 */
export function wallTimeToUtc(wallMs: number, zone: JsonTimeZone): number {
  switch (zone.kind) {
    case 'utc':
      return wallMs;
    case 'offset':
      return wallMs - zone.minutes * 60_000;
    case 'iana':
      return ianaWallTimeToUtc(wallMs, zone.format);
  }
}

function ianaWallTimeToUtc(wallMs: number, format: Intl.DateTimeFormat): number {
  // The offsets a day either side cover both sides of any one transition near the wall time (Temporal's method).
  const before = offsetMs(format, wallMs - DAY_MS);
  const after = offsetMs(format, wallMs + DAY_MS);
  const candidates = before === after ? [before] : [before, after];
  let earliest: number | undefined;
  for (const candidate of candidates) {
    const instant = wallMs - candidate;
    if (offsetMs(format, instant) === candidate && (earliest === undefined || instant < earliest)) earliest = instant;
  }
  if (earliest !== undefined) return earliest;
  // In the gap: read with the offset in force before it, which lands the same distance past the transition.
  return wallMs - before;
}

// `10/29/2023 AD, 02:30:00` — en-US with the options above; formatToParts is the fallback should an ICU print it otherwise.
const FORMATTED = /^(\d{1,2})\/(\d{1,2})\/(\d+) (AD|BC), (\d{2}):(\d{2}):(\d{2})$/;

/** The zone's offset from UTC at an instant (ms, whole seconds): its wall time minus the instant. */
function offsetMs(format: Intl.DateTimeFormat, instant: number): number {
  // format() is about four times faster than formatToParts().
  const m = FORMATTED.exec(format.format(instant));
  let fields: [string, string, string, string, string, string, string];
  if (m !== null) fields = [m[3] ?? '', m[1] ?? '', m[2] ?? '', m[4] ?? '', m[5] ?? '', m[6] ?? '', m[7] ?? ''];
  else {
    const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
    fields = [parts['year'] ?? '', parts['month'] ?? '', parts['day'] ?? '', parts['era'] ?? '', parts['hour'] ?? '', parts['minute'] ?? '', parts['second'] ?? ''];
  }
  const [year, month, day, era, hour, minute, second] = fields;
  const wall = new Date(0);
  // Year 1 BC is astronomical year 0; setUTCFullYear keeps years 0–99 as given (Date.UTC would add 1900).
  wall.setUTCFullYear(era === 'BC' ? 1 - Number(year) : Number(year), Number(month) - 1, Number(day));
  wall.setUTCHours(Number(hour), Number(minute), Number(second), 0);
  return wall.getTime() - instant;
}
