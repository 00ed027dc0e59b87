import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareCodePoints } from '../../../functions/core/search/code-point-order.ts';

describe('compareCodePoints', () => {
  it.each([
    ['a', 'b', -1],
    ['B', 'a', -1],
    ['a', 'aa', -1],
    ['', 'a', -1],
    ['\uffff', '😀', -1],
    ['\ue000', '\ud7ff', 1],
    ['x', 'x', 0],
  ])('%j vs %j → %d', (a, b, sign) => {
    expect(Math.sign(compareCodePoints(a, b))).toBe(sign);
  });

  it('agrees with the order of the UTF-8 bytes (Buffer.compare)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'B', '\u00e9', '\ud7ff', '\ue000', '\uffff', '😀', '\u{10ffff}', '\u{1f600}'), maxLength: 6 });
    const any = fc.string({ unit: 'binary', maxLength: 6 });
    fc.assert(
      fc.property(fc.oneof(text, any), fc.oneof(text, any), (a, b) => {
        const expected = Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
        expect(Math.sign(compareCodePoints(a, b))).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });
});
