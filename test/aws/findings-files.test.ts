import { describe, expect, it } from 'vitest';
import { findingsFiles } from '../../functions/aws/findings-files.ts';
import { outputKeys } from '../../functions/aws/output-keys.ts';
import { makeFinding, type Finding } from '../../functions/core/finding.ts';
import type { Detection } from '../../functions/core/rules/detection.ts';
import { DETECTIONS } from '../../functions/core/rules/index.ts';

const IIS = DETECTIONS[0] as Detection;
const OTHER: Detection = { ...IIS, id: '00000000-0000-0000-0000-0000000000aa', slug: 'other_rule', name: 'Other' };
const BY = ['dest', 'process_id'];

function finding(detection: Detection, dest: string, firstIso: string): Finding {
  const first = Date.parse(firstIso);
  return makeFinding(detection, {
    columns: { dest, process_id: '1', count: 1, firstTime: firstIso.slice(0, 19), lastTime: firstIso.slice(0, 19) },
    byFields: BY,
    evidence: [],
    count: 1,
    firstTimeMs: first,
    lastTimeMs: first,
  });
}

describe('findingsFiles', () => {
  const keys = outputKeys('', 'sid');

  it('writes nothing without findings', () => {
    expect(findingsFiles([], DETECTIONS, keys)).toEqual([]);
  });

  it('one file per detection, under the UTC day of the earliest first event, rows in the given order', () => {
    const rows = [
      finding(IIS, 'b', '2022-03-26T00:00:01.000Z'),
      finding(OTHER, 'x', '2022-01-02T10:00:00.000Z'),
      finding(IIS, 'a', '2022-03-25T23:59:59.500Z'),
    ];
    const files = findingsFiles(rows, [IIS, OTHER], keys);
    expect(files.map((f) => [f.slug, f.day, f.key, f.rows])).toEqual([
      ['windows_iis_components_add_new_module', '2022-03-25', 'findings/detection=windows_iis_components_add_new_module/dt=2022-03-25/sid.jsonl', 2],
      ['other_rule', '2022-01-02', 'findings/detection=other_rule/dt=2022-01-02/sid.jsonl', 1],
    ]);
    const lines = files[0]?.body.split('\n') ?? [];
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(lines.slice(0, 2).map((l) => (JSON.parse(l) as { dest: string }).dest)).toEqual(['b', 'a']);
  });
});
