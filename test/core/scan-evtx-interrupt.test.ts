/**
 * Scan over EVTX, which hands over a chunk's items at once and rules out non-process records before rendering them:
 * interrupted anywhere and resumed, the two runs give the rows and process-event count of one uninterrupted run.
 */
import { describe, expect, it } from 'vitest';
import { DETECTIONS } from '../../functions/core/rules/index.ts';
import { Scan, type ScanOptions, type SourceReport } from '../../functions/core/scan.ts';
import { fixture } from './read/evtx/evtx-fixtures.ts';

const SOURCE = { kind: 'file', path: 'x.evtx' } as const;

/** The published detection with its where clause widened to every .exe, so the fixtures give rows to compare. */
const base = DETECTIONS[0] as (typeof DETECTIONS)[number];
const OPTIONS: ScanOptions = {
  detections: [{ ...base, search: base.search.replace(/where .* by /, 'where Processes.process_name=*.exe by ') }],
};

/** The bytes in pieces of `size`; the signal is aborted when piece `abortAt` is asked for. */
async function* pieces(bytes: Uint8Array, size: number, abort?: { at: number; controller: AbortController }): AsyncGenerator<Uint8Array> {
  for (let i = 0, n = 0; i < bytes.length; i += size, n++) {
    if (abort !== undefined && n === abort.at) abort.controller.abort();
    yield bytes.subarray(i, i + size);
  }
}

describe('Scan over EVTX, interrupted and resumed', () => {
  it.each([
    ['appcmd-discovery.evtx.gz', 40, 10],
    ['omerbenamram-sysmon.evtx.gz', 227, 10],
  ] as const)('%s: wherever the cut falls, the rows and process events of one run', async (name, processEvents, rows) => {
    const bytes = fixture(name);
    const whole = new Scan(OPTIONS);
    const full = await whole.scanSource(SOURCE, pieces(bytes, 16384));
    expect(full.processEvents).toBe(processEvents);
    expect(full.skipped).toBe(full.events - processEvents);
    expect(whole.findings().length).toBeGreaterThanOrEqual(rows);
    const pieceCount = Math.ceil(bytes.length / 16384);
    let interrupted = 0;
    for (let at = 1; at < pieceCount; at += 3) {
      const controller = new AbortController();
      const first = new Scan(OPTIONS);
      const cut: SourceReport = await first.scanSource(SOURCE, pieces(bytes, 16384, { at, controller }), { signal: controller.signal });
      if (cut.status !== 'interrupted') continue;
      interrupted += 1;
      const second = new Scan(OPTIONS, first.toState());
      const rest = await second.scanSource(SOURCE, pieces(bytes, 16384), { ...(cut.resume ? { resume: cut.resume } : {}) });
      expect(rest.status).toBe('complete');
      expect(cut.processEvents + rest.processEvents).toBe(full.processEvents);
      expect(second.findings()).toEqual(whole.findings());
    }
    // Most cuts fall before the last chunk with records, so most runs are interrupted.
    expect(interrupted).toBeGreaterThan(2);
  });
});
