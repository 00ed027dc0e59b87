import { describe, expect, it } from 'vitest';
import { SourceProgress } from '../../functions/core/source-progress.ts';

describe('SourceProgress', () => {
  it('counts process events ruled out ahead of the loop only once the loop passed them', () => {
    const p = new SourceProgress();
    p.streamStarted();
    for (const at of [10, 20, 30, 40]) p.processSkipped(at);
    p.passed(25);
    expect(p.interruptAt({ offset: 25 })).toEqual({ streamsDone: 0, offset: 25 });
    // 10 and 20 were passed; 30 and 40 belong to the resumed run.
    expect(p.finish()).toBe(2);
  });

  it('a resumed run skips and does not count what lies before the resume point', () => {
    const p = new SourceProgress({ streamsDone: 0, offset: 25 });
    p.streamStarted();
    expect([10, 24, 25, 40].map((at) => p.beforeResume(at))).toEqual([true, true, false, false]);
    for (const at of [10, 20, 30, 40]) p.processSkipped(at);
    expect(p.finish()).toBe(2);
  });

  it('interrupted + resumed = one uninterrupted run, wherever the cut falls', () => {
    const skipped = [5, 15, 25, 35, 45, 55];
    const whole = new SourceProgress();
    whole.streamStarted();
    for (const at of skipped) whole.processSkipped(at);
    const total = whole.finish();
    for (const cut of [0, 5, 6, 30, 55, 60]) {
      const first = new SourceProgress();
      first.streamStarted();
      for (const at of skipped) first.processSkipped(at);
      const resume = first.interruptAt({ offset: cut });
      const firstCount = first.finish();
      const second = new SourceProgress(resume);
      second.streamStarted();
      for (const at of skipped) second.processSkipped(at);
      expect(firstCount + second.finish(), `cut at ${cut}`).toBe(total);
    }
  });

  it('streams before the resumed one are all before the resume point', () => {
    const p = new SourceProgress({ streamsDone: 1, offset: 100, entry: 'b.xml' });
    p.streamStarted();
    expect(p.beforeResume(999_999)).toBe(true);
    p.streamStarted();
    expect([99, 100].map((at) => p.beforeResume(at))).toEqual([true, false]);
    p.streamStarted();
    expect(p.beforeResume(0)).toBe(false);
  });
});
