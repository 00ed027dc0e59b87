import { describe, expect, it } from 'vitest';
import { QuarantineLines } from '../../functions/aws/quarantine-lines.ts';
import type { LocatedProblem } from '../../functions/core/scan.ts';

const problem = (offset: number): LocatedProblem => ({
  source: 's3://b/k.log',
  reason: 'malformed-event',
  message: `bad event at ${offset}`,
  location: { offset, line: offset + 1 },
  ...(offset % 2 === 0 ? { excerpt: '<Event><Sys' } : {}),
});

describe('QuarantineLines', () => {
  it('renders one located JSON line per problem', () => {
    const q = new QuarantineLines(10);
    q.add(problem(0));
    q.add(problem(7));
    expect(q.body()).toBe(
      '{"source":"s3://b/k.log","reason":"malformed-event","message":"bad event at 0","location":{"offset":0,"line":1},"excerpt":"<Event><Sys"}\n' +
        '{"source":"s3://b/k.log","reason":"malformed-event","message":"bad event at 7","location":{"offset":7,"line":8}}\n',
    );
    expect([q.size, q.dropped]).toEqual([2, 0]);
  });

  it('keeps at most the cap and counts the rest', () => {
    const q = new QuarantineLines(3);
    for (let i = 0; i < 10; i += 1) q.add(problem(i));
    expect([q.size, q.dropped]).toEqual([3, 7]);
    expect(q.body().split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('continues from a checkpointed state', () => {
    const first = new QuarantineLines(3);
    first.add(problem(1));
    first.add(problem(2));
    const resumed = new QuarantineLines(3, first.toState());
    resumed.add(problem(3));
    resumed.add(problem(4));
    const whole = new QuarantineLines(3);
    for (const i of [1, 2, 3, 4]) whole.add(problem(i));
    expect(resumed.body()).toBe(whole.body());
    expect(resumed.dropped).toBe(1);
  });
});
