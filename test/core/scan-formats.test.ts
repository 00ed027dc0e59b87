/**
 * The same detection through the other readers: a true positive built by placing the Atomic Red Team T1505.004 command
 * into a real NXLog/OTRF JSON Sysmon EID 1 record (test/fixtures/jsonl, OTRF Security-Datasets, MIT) gives Splunk's row.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Scan } from '../../functions/core/scan.ts';
import { ART_T1505_004 } from './event-variants.ts';

async function findings(text: string): Promise<Array<Record<string, unknown>>> {
  const scan = new Scan();
  await scan.scanSource({ kind: 'file', path: 'x.json' }, [new TextEncoder().encode(text)] as unknown as AsyncIterable<Uint8Array>);
  return scan.findings();
}

const lines = readFileSync('test/fixtures/jsonl/otrf-cmd-lsass-dumpert.json', 'utf8').split('\n').filter((l) => l.length > 0);
const eid1 = lines.find((l) => l.includes('"EventID":1,') && l.includes('Outflank-Dumpert.exe')) as string;

describe('JSON lines (NXLog/OTRF) through the whole pipeline', () => {
  it('the real file has no row; the ART command placed into its EID 1 record gives exactly one', async () => {
    expect(await findings(lines.join('\n'))).toEqual([]);
    const record = JSON.parse(eid1) as Record<string, unknown>;
    record.Image = 'C:\\Windows\\System32\\inetsrv\\appcmd.exe';
    record.CommandLine = ART_T1505_004;
    const rows = await findings([...lines, JSON.stringify(record)].join('\n'));
    expect(rows).toHaveLength(1);
    const row = rows[0] as Record<string, unknown>;
    // Values read by hand from the record: Hostname, User WORKSTATION5\wardog, ParentImage cmd.exe, OriginalFileName "-",
    // ProcessId 6772, ParentProcessId 3080.
    expect({
      dest: row.dest,
      user: row.user,
      parent_process_name: row.parent_process_name,
      process_name: row.process_name,
      original_file_name: row.original_file_name,
      process: row.process,
      process_id: row.process_id,
      parent_process_id: row.parent_process_id,
      count: row.count,
    }).toEqual({
      dest: 'WORKSTATION5',
      user: 'wardog',
      parent_process_name: 'cmd.exe',
      process_name: 'appcmd.exe',
      original_file_name: 'null',
      process: ART_T1505_004,
      process_id: '6772',
      parent_process_id: '3080',
      count: 1,
    });
    // No zone in NXLog's TimeCreated ("2020-10-18 10:56:14.285", host-local): read as UTC, documented in the README.
    expect([row.firstTime, row.lastTime]).toEqual(['2020-10-18T10:56:14', '2020-10-18T10:56:14']);
  });
});
