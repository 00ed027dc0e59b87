/**
 * FILETIME rendering over the whole u64 range against Date's own ISO rendering: the renderer computes dates by
 * arithmetic for years 0-9999 and falls back to Date beyond, so both sides of each boundary are covered.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { renderFiletime } from '../../../../functions/core/read/evtx/windows-time.ts';

/** Ticks between 1601-01-01 and 1970-01-01. */
const EPOCH_TICKS = 116_444_736_000_000_000n;

function reference(ticks: bigint): string {
  const seconds = (ticks - EPOCH_TICKS) / 10_000_000n - ((ticks - EPOCH_TICKS) % 10_000_000n < 0n ? 1n : 0n);
  const fraction = ticks % 10_000_000n;
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, -5)}.${fraction.toString().padStart(7, '0')}00Z`;
}

function render(ticks: bigint): string {
  return renderFiletime(Number(ticks & 0xffff_ffffn), Number(ticks >> 32n));
}

describe('renderFiletime', () => {
  it.each<[string, bigint, string]>([
    ['the FILETIME epoch', 0n, '1601-01-01T00:00:00.000000000Z'],
    ['the Unix epoch', EPOCH_TICKS, '1970-01-01T00:00:00.000000000Z'],
    ['a leap day', EPOCH_TICKS + 951_782_400n * 10_000_000n + 1_234_567n, '2000-02-29T00:00:00.123456700Z'],
    ['the last second of year 9999', EPOCH_TICKS + 253_402_300_799n * 10_000_000n, '9999-12-31T23:59:59.000000000Z'],
    ['the first second of year 10000 (signed, six digits)', EPOCH_TICKS + 253_402_300_800n * 10_000_000n, '+010000-01-01T00:00:00.000000000Z'],
    ['the largest u64', 0xffff_ffff_ffff_ffffn, '+060056-05-28T05:36:10.955161500Z'],
  ])('%s', (_label, ticks, expected) => {
    expect(render(ticks)).toBe(expected);
    expect(render(ticks)).toBe(reference(ticks));
  });

  it('equals Date for any u64 tick count, before 1970 and after 9999 too', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn }), (ticks) => {
        expect(render(ticks)).toBe(reference(ticks));
      }),
      { numRuns: 2000 },
    );
  });
});
