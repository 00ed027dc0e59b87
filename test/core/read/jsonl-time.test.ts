/** Producer timestamps → TimeCreated's `…Z` form: the accepted forms, zones applied, fractions kept as given. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normalizeTimestamp } from '../../../functions/core/read/jsonl-time.ts';

describe('normalizeTimestamp', () => {
  it.each<[string, string | undefined, boolean | undefined]>([
    ['2019-05-27T01:28:42.711005800Z', '2019-05-27T01:28:42.711005800Z', true],
    ['2025-10-22T20:25:23.218638Z', '2025-10-22T20:25:23.218638Z', true],
    ['2020-10-27T20:00:14.32Z', '2020-10-27T20:00:14.32Z', true],
    ['2020-09-22T04:28:20.470000-04:00', '2020-09-22T08:28:20.470000Z', true],
    ['2020-09-22T04:28:20+0530', '2020-09-21T22:58:20Z', true],
    ['2020-12-31T23:30:00-01', '2021-01-01T00:30:00Z', true],
    ['2020-10-18 10:56:18.799', '2020-10-18T10:56:18.799Z', false],
    ['2020-08-01 05:16:42', '2020-08-01T05:16:42Z', false],
    ['2020-08-01 05:16', '2020-08-01T05:16:00Z', false],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00Z', true],
    ['2023-02-29T00:00:00Z', undefined, undefined],
    ['2020-13-01T00:00:00Z', undefined, undefined],
    ['2020-01-01T24:00:00Z', undefined, undefined],
    ['1603712414', undefined, undefined],
    ['Oct 27 2020 20:00:14', undefined, undefined],
    ['', undefined, undefined],
  ])('%s → %s', (input, iso, zoned) => {
    const result = normalizeTimestamp(input);
    expect(result?.iso).toBe(iso);
    expect(result?.zoned).toBe(zoned);
  });

  it('agrees with Date for any instant and any whole-minute zone, keeping the fraction digits', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        fc.stringMatching(/^\d{0,9}$/),
        (date, offsetMinutes, fraction) => {
          const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const frac = fraction === '' ? '' : `.${fraction}`;
          expect(normalizeTimestamp(`${local}${frac}${zone}`)?.iso).toBe(`${date.toISOString().slice(0, 19)}${frac}Z`);
        },
      ),
      { numRuns: 500 },
    );
  });
});
