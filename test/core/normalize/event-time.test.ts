import { describe, expect, it } from 'vitest';
import { eventTimeMs } from '../../../functions/core/normalize/event-time.ts';

describe('eventTimeMs', () => {
  it.each([
    ['2022-03-25T17:46:37.652897900Z', Date.UTC(2022, 2, 25, 17, 46, 37) + 652.897],
    ['2022-03-25T17:55:59.9999999Z', Date.UTC(2022, 2, 25, 17, 55, 59) + 999.999],
    ['2022-03-25T17:46:37Z', Date.UTC(2022, 2, 25, 17, 46, 37)],
    ['2022-03-25 17:46:37.5', Date.UTC(2022, 2, 25, 17, 46, 37) + 500],
    ['2022-03-25T19:46:37.000+02:00', Date.UTC(2022, 2, 25, 17, 46, 37)],
    ['2022-03-25T12:46:37-0500', Date.UTC(2022, 2, 25, 17, 46, 37)],
  ])('%s', (text, expected) => {
    expect(eventTimeMs(text)).toBeCloseTo(expected, 6);
  });

  it('never rounds a time up into the next second', () => {
    const ms = eventTimeMs('2022-03-25T17:55:59.9999999Z');
    expect(Math.floor(ms / 1000)).toBe(Date.UTC(2022, 2, 25, 17, 55, 59) / 1000);
  });

  it.each(['', 'yesterday', '2022-13-05T00:00:00Z', '2022-03-25T24:00:00Z', '2022-03-25T17:46'])('unparseable %j is NaN', (text) => {
    expect(eventTimeMs(text)).toBeNaN();
  });
});
