/**
 * rule-semantics.md §8, all 27 edge cases, through the whole pipeline: real events (edited one field at a time) → reader →
 * CIM normalization → compiled published search → aggregation → Splunk's rows. Expected rows are written out by hand from
 * the semantics, column by column.
 */
import { describe, expect, it } from 'vitest';
import { Scan } from '../../functions/core/scan.ts';
import { ART_T1505_004, fixture, truePositive, variant } from './event-variants.ts';

const DEST = 'win-dc-emcginnis-47905-664.attackrange.local';
const T = '2022-03-25T17:46:37';

/** The row the ART true positive gives; cases override what differs. */
function row(overrides: Record<string, string | number> = {}): Record<string, string | number> {
  return {
    dest: DEST,
    user: 'Administrator',
    parent_process_name: 'cmd.exe',
    process_name: 'appcmd.exe',
    original_file_name: 'appcmd.exe',
    process: ART_T1505_004,
    process_id: '4116',
    parent_process_id: '4888',
    count: 1,
    firstTime: T,
    lastTime: T,
    ...overrides,
  };
}

const COLUMNS = [
  'dest',
  'user',
  'parent_process_name',
  'process_name',
  'original_file_name',
  'process',
  'process_id',
  'parent_process_id',
  'count',
  'firstTime',
  'lastTime',
];

async function rowsOf(lines: string[], options: { prefilter?: boolean } = {}): Promise<Array<Record<string, unknown>>> {
  const scan = new Scan({ prefilter: options.prefilter ?? true });
  const bytes = new TextEncoder().encode(`${lines.join('\n')}\n`);
  const report = await scan.scanSource({ kind: 'file', path: 'case.log' }, [bytes] as unknown as AsyncIterable<Uint8Array>);
  expect(report.problems).toEqual({});
  return scan.findings().map((f) => Object.fromEntries(COLUMNS.map((c) => [c, f[c]])));
}

const tp = truePositive;
const cmd = (commandLine: string) => tp({ data: { CommandLine: commandLine } });

interface Case {
  n: number;
  what: string;
  events: string[];
  rows: Array<Record<string, string | number>>;
}

const CASES: Case[] = [
  { n: 1, what: 'Atomic T1505.004 #1', events: [tp()], rows: [row()] },
  {
    n: 2,
    what: 'upper-case image and command line match; output keeps the case',
    events: [
      tp({ data: { Image: 'C:\\Windows\\System32\\inetsrv\\APPCMD.EXE', CommandLine: 'APPCMD.EXE INSTALL MODULE /NAME:X /IMAGE:C:\\X.DLL' } }),
    ],
    rows: [row({ process_name: 'APPCMD.EXE', process: 'APPCMD.EXE INSTALL MODULE /NAME:X /IMAGE:C:\\X.DLL' })],
  },
  { n: 3, what: 'parent msiexec.exe excluded', events: [tp({ data: { ParentImage: 'C:\\Windows\\System32\\msiexec.exe' } })], rows: [] },
  {
    n: 4,
    what: 'exclusion is case-insensitive',
    events: [tp({ data: { ParentImage: 'C:\\Windows\\System32\\inetsrv\\IISSETUP.EXE' } })],
    rows: [],
  },
  { n: 5, what: 'exclusion by basename, any path', events: [tp({ data: { ParentImage: 'D:\\tools\\msiexec.exe' } })], rows: [] },
  {
    n: 6,
    what: 'exclusion is whole-value equality',
    events: [tp({ data: { ParentImage: 'C:\\x\\msiexec.exe.bak' } }), tp({ data: { ParentImage: 'C:\\x\\notmsiexec.exe', ProcessId: '4117' } })],
    rows: [row({ parent_process_name: 'msiexec.exe.bak' }), row({ parent_process_name: 'notmsiexec.exe', process_id: '4117' })],
  },
  {
    n: 7,
    what: 'no ParentImage: NOT keeps the event, fillnull renders "null"',
    events: [tp({ data: { ParentImage: null } })],
    rows: [row({ parent_process_name: 'null' })],
  },
  { n: 8, what: 'ParentImage "-"', events: [tp({ data: { ParentImage: '-' } })], rows: [row({ parent_process_name: '-' })] },
  { n: 9, what: 'no image', events: [cmd('appcmd.exe install module /name:X')], rows: [] },
  { n: 10, what: 'add module without image', events: [cmd('appcmd.exe add module /name:X /type:My.Module')], rows: [] },
  {
    n: 11,
    what: 'tab after install, space after module',
    events: [cmd('appcmd.exe install\tmodule /name:X /image:Y')],
    rows: [row({ process: 'appcmd.exe install\tmodule /name:X /image:Y' })],
  },
  { n: 12, what: 'tabs only', events: [cmd('appcmd.exe\tinstall\tmodule\t/name:X\t/image:Y')], rows: [] },
  {
    n: 13,
    what: 'no space before install',
    events: [cmd('"C:\\Windows\\System32\\inetsrv\\appcmd.exe"install module /name:X /image:Y')],
    rows: [row({ process: '"C:\\Windows\\System32\\inetsrv\\appcmd.exe"install module /name:X /image:Y' })],
  },
  { n: 14, what: 'install last, nothing after', events: [cmd('appcmd.exe /name:X /image:C:\\m.dll install')], rows: [] },
  {
    n: 15,
    what: 'list module with image in the name (Splunk FP)',
    events: [cmd('appcmd.exe list module /name:imagefilter')],
    rows: [row({ process: 'appcmd.exe list module /name:imagefilter' })],
  },
  {
    n: 16,
    what: 'uninstall contains install (Splunk FP)',
    events: [cmd('appcmd.exe uninstall module imagemod')],
    rows: [row({ process: 'appcmd.exe uninstall module imagemod' })],
  },
  { n: 17, what: 'set config globalModules', events: [cmd("appcmd.exe set config /section:globalModules /+[name='X',image='C:\\x.dll']")], rows: [] },
  {
    n: 18,
    what: 'image inside Images',
    events: [cmd('appcmd install module /name:X /path:C:\\Images\\x.dll')],
    rows: [row({ process: 'appcmd install module /name:X /path:C:\\Images\\x.dll' })],
  },
  {
    n: 19,
    what: 'en dash switches',
    events: [cmd('appcmd.exe install module \u2013name:X \u2013image:Y')],
    rows: [row({ process: 'appcmd.exe install module \u2013name:X \u2013image:Y' })],
  },
  {
    n: 20,
    what: 'renamed appcmd (OriginalFileName only) is not matched',
    events: [tp({ data: { Image: 'C:\\Temp\\svc.exe' } })],
    rows: [],
  },
  {
    n: 21,
    what: 'SysWOW64 appcmd',
    events: [tp({ data: { Image: 'C:\\Windows\\SysWOW64\\inetsrv\\appcmd.exe' } })],
    rows: [row()],
  },
  {
    n: 22,
    what: 'myappcmd.exe / appcmd.exe.old',
    events: [tp({ data: { Image: 'C:\\x\\myappcmd.exe' } }), tp({ data: { Image: 'C:\\x\\appcmd.exe.old' } })],
    rows: [],
  },
  {
    n: 23,
    what: 'Sysmon EID 5 with Image appcmd.exe (no CommandLine)',
    events: [variant(fixture('scan/sysmon-eid5.xml'), { data: { Image: 'C:\\Windows\\System32\\inetsrv\\appcmd.exe' } })],
    rows: [],
  },
  {
    n: 24,
    what: 'OriginalFileName "-" and User missing render "null"',
    events: [tp({ data: { OriginalFileName: '-', User: null } })],
    rows: [row({ original_file_name: 'null', user: 'null' })],
  },
  {
    n: 25,
    what: 'two identical events: one row, count 2, times truncated',
    events: [
      tp({ time: '2022-03-25T10:00:01.9000000Z', recordId: '1' }),
      tp({ time: '2022-03-25T10:05:00.2000000Z', recordId: '2' }),
    ],
    rows: [row({ count: 2, firstTime: '2022-03-25T10:00:01', lastTime: '2022-03-25T10:05:00' })],
  },
  {
    n: 26,
    what: 'same but different ProcessId: two rows',
    events: [
      tp({ time: '2022-03-25T10:00:01.9000000Z' }),
      tp({ time: '2022-03-25T10:05:00.2000000Z', data: { ProcessId: '5000' } }),
    ],
    rows: [
      row({ firstTime: '2022-03-25T10:00:01', lastTime: '2022-03-25T10:00:01' }),
      row({ process_id: '5000', firstTime: '2022-03-25T10:05:00', lastTime: '2022-03-25T10:05:00' }),
    ],
  },
  {
    n: 27,
    what: 'Security 4688 with appcmd: ids hex, original_file_name null',
    events: [
      variant(fixture('scan/security-4688-chrome.xml'), {
        data: {
          NewProcessName: 'C:\\Windows\\System32\\inetsrv\\appcmd.exe',
          CommandLine: ART_T1505_004,
          ParentProcessName: 'C:\\Windows\\System32\\cmd.exe',
        },
      }),
    ],
    rows: [
      {
        dest: 'victim.lan.local',
        user: 'S-1-5-21-522199786-2069634556-312552118-239922',
        parent_process_name: 'cmd.exe',
        process_name: 'appcmd.exe',
        original_file_name: 'null',
        process: ART_T1505_004,
        process_id: '0x3078',
        parent_process_id: '0x16b0',
        count: 1,
        firstTime: '2023-04-04T18:43:29',
        lastTime: '2023-04-04T18:43:29',
      },
    ],
  },
];

describe('rule-semantics.md §8 edge cases through the whole pipeline', () => {
  it('covers all 27 cases', () => {
    expect(CASES.map((c) => c.n)).toEqual(Array.from({ length: 27 }, (_, i) => i + 1));
  });

  it.each(CASES)('#$n $what', async ({ events, rows }) => {
    expect(await rowsOf(events)).toEqual(rows);
    // The raw-bytes prefilter must never change the answer.
    expect(await rowsOf(events, { prefilter: false })).toEqual(rows);
  });

  it('case #2 and its lower-case twin are two rows (grouping is case-sensitive)', async () => {
    const upper = tp({ data: { Image: 'C:\\Windows\\System32\\inetsrv\\APPCMD.EXE' } });
    const rows = await rowsOf([upper, tp()]);
    expect(rows.map((r) => r.process_name)).toEqual(['APPCMD.EXE', 'appcmd.exe']);
  });

  it('keeps the domain with the as-logged user format', async () => {
    const scan = new Scan({ userFormat: 'as-logged' });
    await scan.scanSource({ kind: 'file', path: 'x' }, [new TextEncoder().encode(tp())] as unknown as AsyncIterable<Uint8Array>);
    expect(scan.findings()[0]?.user).toBe('ATTACKRANGE\\Administrator');
  });

  it('finds nothing in real appcmd discovery activity (40 real EID 1 events, list vdir / list apppools)', async () => {
    const lines = fixture('scan/appcmd-discovery-negatives.xml.log').split('\n');
    expect(lines.filter((l) => /appcmd/i.test(l)).length).toBeGreaterThan(10);
    expect(await rowsOf(lines)).toEqual([]);
    expect(await rowsOf(lines, { prefilter: false })).toEqual([]);
  });
});
