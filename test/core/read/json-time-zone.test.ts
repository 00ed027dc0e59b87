/**
 * Zone-less JSON timestamps read in a chosen zone: UTC, fixed offsets, IANA zones across DST (the repeated hour takes its
 * first occurrence, the skipped hour moves forward by the gap), fractions kept, zoned timestamps untouched, bad zones refused.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jsonTimeZoneText, parseJsonTimeZone, TimeZoneError, wallTimeToUtc } from '../../../functions/core/read/json-time-zone.ts';
import { normalizeTimestamp } from '../../../functions/core/read/jsonl-time.ts';

describe('normalizeTimestamp with a zone for zone-less timestamps', () => {
  it.each<[string, string, string]>([
    // zone, input, expected
    ['UTC', '2020-08-01 05:16:42', '2020-08-01T05:16:42Z'],
    ['z', '2020-08-01 05:16:42', '2020-08-01T05:16:42Z'],
    ['+02:00', '2020-08-01 05:16:42', '2020-08-01T03:16:42Z'],
    ['-0530', '2020-08-01 05:16:42', '2020-08-01T10:46:42Z'],
    ['+01', '2020-08-01 05:16:42', '2020-08-01T04:16:42Z'],
    ['+02:00', '2021-01-01 00:30', '2020-12-31T22:30:00Z'],
    // Europe/Berlin: CET +01:00 in winter, CEST +02:00 in summer.
    ['Europe/Berlin', '2023-01-15 12:00:00', '2023-01-15T11:00:00Z'],
    ['Europe/Berlin', '2023-07-01T12:00:00', '2023-07-01T10:00:00Z'],
    ['europe/berlin', '2023-07-01T12:00:00', '2023-07-01T10:00:00Z'],
    // 2023-10-29: 03:00 CEST falls back to 02:00 CET, so 02:00–02:59:59 happen twice; the first (CEST) is taken.
    ['Europe/Berlin', '2023-10-29 01:59:59', '2023-10-28T23:59:59Z'],
    ['Europe/Berlin', '2023-10-29 02:00:00', '2023-10-29T00:00:00Z'],
    ['Europe/Berlin', '2023-10-29 02:30:00', '2023-10-29T00:30:00Z'],
    ['Europe/Berlin', '2023-10-29 02:59:59', '2023-10-29T00:59:59Z'],
    ['Europe/Berlin', '2023-10-29 03:00:00', '2023-10-29T02:00:00Z'],
    // 2023-03-26: 02:00 CET springs forward to 03:00 CEST; 02:00–02:59:59 do not exist and move forward by the hour.
    ['Europe/Berlin', '2023-03-26 01:59:59', '2023-03-26T00:59:59Z'],
    ['Europe/Berlin', '2023-03-26 02:00:00', '2023-03-26T01:00:00Z'],
    ['Europe/Berlin', '2023-03-26 02:30:00', '2023-03-26T01:30:00Z'],
    ['Europe/Berlin', '2023-03-26 03:00:00', '2023-03-26T01:00:00Z'],
    ['Europe/Berlin', '2023-03-26 03:30:00', '2023-03-26T01:30:00Z'],
    // America/New_York: EST -05:00, EDT -04:00; gap 2023-03-12 02:00–03:00, repeat 2023-11-05 01:00–02:00.
    ['America/New_York', '2023-01-10 08:00:00', '2023-01-10T13:00:00Z'],
    ['America/New_York', '2023-07-04 08:00:00', '2023-07-04T12:00:00Z'],
    ['America/New_York', '2023-03-12 02:30:00', '2023-03-12T07:30:00Z'],
    ['America/New_York', '2023-11-05 01:30:00', '2023-11-05T05:30:00Z'],
    ['America/New_York', '2023-11-05 02:30:00', '2023-11-05T07:30:00Z'],
    ['America/New_York', '2020-12-31 22:00:00', '2021-01-01T03:00:00Z'],
    // The OTRF NXLog record's zone-less EventTime (host in EDT) against its Sysmon UtcTime 2020-09-22 08:28:40.319.
    ['America/New_York', '2020-09-22 04:28:40', '2020-09-22T08:28:40Z'],
    // Fractions keep exactly their digits.
    ['Europe/Berlin', '2020-10-18 10:56:18.799', '2020-10-18T08:56:18.799Z'],
    ['America/New_York', '2019-05-27T01:28:42.7110058', '2019-05-27T05:28:42.7110058Z'],
    ['-0530', '2020-10-27 20:00:14.32', '2020-10-28T01:30:14.32Z'],
    // A timestamp's own zone wins over the option.
    ['Europe/Berlin', '2020-09-22T04:28:20.470000-04:00', '2020-09-22T08:28:20.470000Z'],
    ['America/New_York', '2019-05-27T01:28:42.711005800Z', '2019-05-27T01:28:42.711005800Z'],
    ['+02:00', '2020-09-22T04:28:20+0530', '2020-09-21T22:58:20Z'],
  ])('%s: %s → %s', (zone, input, iso) => {
    const result = normalizeTimestamp(input, parseJsonTimeZone(zone));
    expect(result?.iso).toBe(iso);
  });

  it('keeps rejecting what is no timestamp, whatever the zone', () => {
    const berlin = parseJsonTimeZone('Europe/Berlin');
    for (const text of ['2023-02-29 00:00:00', '1603712414', '2020-01-01 24:00:00']) expect(normalizeTimestamp(text, berlin)).toBeUndefined();
  });
});

describe('parseJsonTimeZone', () => {
  it.each<[string, string, string]>([
    ['UTC', 'utc', 'UTC'],
    ['utc', 'utc', 'UTC'],
    ['Z', 'utc', 'UTC'],
    ['+02:00', 'offset', '+02:00'],
    ['-0530', 'offset', '-0530'],
    ['+01', 'offset', '+01'],
    [' Europe/Berlin ', 'iana', 'Europe/Berlin'],
    ['America/New_York', 'iana', 'America/New_York'],
    ['Etc/GMT+2', 'iana', 'Etc/GMT+2'],
  ])('%j is a %s zone written %s', (text, kind, written) => {
    const zone = parseJsonTimeZone(text);
    expect(zone.kind).toBe(kind);
    expect(jsonTimeZoneText(zone)).toBe(written);
  });

  it.each(['', 'Mars/Olympus', 'Berlin', '+24:00', '+02:60', '+2', '02:00', 'UTC+2', 'GMT+02:00', 'Europe/Berlin; x', '../etc'])(
    'refuses %j with a message that says what is accepted',
    (text) => {
      expect(() => parseJsonTimeZone(text)).toThrow(TimeZoneError);
      expect(() => parseJsonTimeZone(text)).toThrow(/offset|IANA/);
    },
  );
});

/** The wall time of an instant in a zone, read independently of the code under test (formatToParts). */
function wallOf(instant: number, zone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(instant)
      .map((p) => [p.type, Number(p.value)]),
  );
  return Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
}

describe('wallTimeToUtc', () => {
  it('gives back an instant whose wall time is the input, the earliest such, in zones with odd rules', () => {
    // Half-hour DST (Lord Howe), a skipped day (Apia 2011-12-30), -03:30 (St John's), +05:30 without DST (Kolkata).
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Apia', 'America/St_Johns', 'Asia/Kolkata'];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1980, 0, 1) / 1000, max: Date.UTC(2040, 0, 1) / 1000 }),
        fc.constantFrom(...zones),
        (seconds, name) => {
          const instant = seconds * 1000;
          const wall = wallOf(instant, name);
          const found = wallTimeToUtc(wall, parseJsonTimeZone(name));
          expect(wallOf(found, name)).toBe(wall);
          // The earliest: an instant with this wall time cannot lie before the one found (offsets differ by ≤ 1 day).
          expect(found).toBeLessThanOrEqual(instant);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('moves a skipped wall time forward by the gap, also for a half-hour gap and a skipped day', () => {
    // Lord Howe 2023-10-01: 02:00 +10:30 → 02:30 +11:00; 02:15 does not exist and reads as 02:45 +11:00 = 15:45Z.
    expect(new Date(wallTimeToUtc(Date.UTC(2023, 9, 1, 2, 15), parseJsonTimeZone('Australia/Lord_Howe'))).toISOString()).toBe('2023-09-30T15:45:00.000Z');
    // Apia skipped 2011-12-30 (-10:00 → +14:00): its noon reads as noon of the 31st, +14:00.
    expect(new Date(wallTimeToUtc(Date.UTC(2011, 11, 30, 12), parseJsonTimeZone('Pacific/Apia'))).toISOString()).toBe('2011-12-30T22:00:00.000Z');
  });
});
