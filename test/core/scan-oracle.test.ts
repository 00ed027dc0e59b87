/**
 * The whole pipeline against an independent oracle, on real logs with true positives and near misses placed in them.
 * Real Sysmon EID 1 and Security 4688 events (test/fixtures/xml, test/fixtures/scan; see their SOURCES.md) get field values
 * from the rule-semantics.md §8 pool (the Atomic Red Team T1505.004 command and its near misses), in random case, in every
 * layout the reader accepts (one per line, pretty-printed with double quotes in an <Events> wrapper with CRLF, gzip,
 * UTF-16LE). The oracle shares no code with the product: regular expressions over the text, the predicate written out by
 * hand from the published search, rows grouped in a Map, times truncated by cutting the ISO string at the second.
 */
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Scan } from '../../functions/core/scan.ts';
import { ART_T1505_004, fixture, variant } from './event-variants.ts';

const COLUMNS = ['dest', 'user', 'parent_process_name', 'process_name', 'original_file_name', 'process', 'process_id', 'parent_process_id'];
type Row = Record<string, string | number>;

// ---------------------------------------------------------------- the oracle
function decode(value: string): string {
  return value.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (whole, name: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (named[name] !== undefined) return named[name];
    const code = name.startsWith('#x') ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function basename(path: string | undefined): string | undefined {
  return path === undefined ? undefined : path.slice(path.lastIndexOf('\\') + 1);
}

function oracleRows(text: string): Row[] {
  const groups = new Map<string, { fields: string[]; count: number; first: string; last: string }>();
  for (const [event] of text.matchAll(/<Event[\s>][\s\S]*?<\/Event>/g)) {
    const data: Record<string, string> = {};
    for (const m of event.matchAll(/<Data Name=['"]([^'"]+)['"]>([^<]*)<\/Data>/g)) {
      if (data[m[1] as string] === undefined && m[2] !== '') data[m[1] as string] = decode(m[2] as string);
    }
    const id = /<EventID[^>]*>\s*(\d+)\s*</.exec(event)?.[1];
    const provider = /<Provider Name=['"]([^'"]*)['"]/.exec(event)?.[1];
    const computer = /<Computer>([^<]*)</.exec(event)?.[1];
    const time = /SystemTime=['"]([^'"]*)['"]/.exec(event)?.[1] ?? '';
    let f: Record<string, string | undefined>;
    if (id === '1' && provider === 'Microsoft-Windows-Sysmon') {
      f = {
        dest: computer,
        user: basename(data.User),
        parent_process_name: basename(data.ParentImage),
        process_name: basename(data.Image),
        original_file_name: data.OriginalFileName === '-' ? undefined : data.OriginalFileName,
        process: data.CommandLine,
        process_id: data.ProcessId,
        parent_process_id: data.ParentProcessId,
      };
    } else if (id === '4688' && provider === 'Microsoft-Windows-Security-Auditing') {
      f = {
        dest: computer,
        user: basename(data.SubjectUserSid),
        parent_process_name: basename(data.ParentProcessName),
        process_name: basename(data.NewProcessName),
        original_file_name: undefined,
        process: data.CommandLine,
        process_id: data.NewProcessId,
        parent_process_id: data.ProcessId,
      };
    } else continue;
    // NOT (parent_process_name IN ("msiexec.exe","iissetup.exe")) process_name=appcmd.exe
    // process IN ("*install *","*module *") AND process="*image*"
    const parent = f.parent_process_name?.toLowerCase();
    const process = f.process?.toLowerCase();
    const match =
      parent !== 'msiexec.exe' &&
      parent !== 'iissetup.exe' &&
      f.process_name?.toLowerCase() === 'appcmd.exe' &&
      process !== undefined &&
      (process.includes('install ') || process.includes('module ')) &&
      process.includes('image');
    if (!match) continue;
    const fields = COLUMNS.map((c) => f[c] ?? 'null');
    const key = JSON.stringify(fields);
    const second = time.slice(0, 19);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { fields, count: 1, first: second, last: second });
    else {
      group.count += 1;
      if (second < group.first) group.first = second;
      if (second > group.last) group.last = second;
    }
  }
  const compare = (a: string[], b: string[]): number => {
    for (let i = 0; i < a.length; i += 1) {
      const c = Buffer.compare(Buffer.from(a[i] as string), Buffer.from(b[i] as string));
      if (c !== 0) return c;
    }
    return 0;
  };
  return [...groups.values()]
    .sort((a, b) => compare(a.fields, b.fields))
    .map((g) => ({ ...Object.fromEntries(COLUMNS.map((c, i) => [c, g.fields[i] as string])), count: g.count, firstTime: g.first, lastTime: g.last }));
}

// ---------------------------------------------------------------- real events and the §8 value pool
const REAL = [
  ...fixture('xml/iis-appcmd-discovery.xml.log').split('\n'),
  ...fixture('scan/appcmd-discovery-negatives.xml.log').split('\n').slice(0, 5),
  fixture('scan/sysmon-eid1-calc.xml'),
  fixture('scan/sysmon-eid5.xml'),
].filter((l) => l.startsWith('<Event'));
const SECURITY = fixture('scan/security-4688-chrome.xml');

const IMAGES = [
  'C:\\Windows\\System32\\inetsrv\\appcmd.exe',
  'C:\\Windows\\SysWOW64\\inetsrv\\appcmd.exe',
  'C:\\x\\myappcmd.exe',
  'C:\\x\\appcmd.exe.old',
  'C:\\Temp\\svc.exe',
];
const COMMANDS = [
  ART_T1505_004,
  'appcmd.exe install module /name:X /image:C:\\x.dll',
  'appcmd.exe install\tmodule /name:X /image:Y',
  'appcmd.exe\tinstall\tmodule\t/name:X\t/image:Y',
  '"C:\\Windows\\System32\\inetsrv\\appcmd.exe"install module /name:X /image:Y',
  'appcmd.exe /name:X /image:C:\\m.dll install',
  'appcmd.exe list module /name:imagefilter',
  'appcmd.exe uninstall module imagemod',
  'appcmd.exe add module /name:X /type:My.Module',
  "appcmd.exe set config /section:globalModules /+[name='X',image='C:\\x.dll']",
  'appcmd install module /name:X /path:C:\\Images\\x.dll',
  'appcmd.exe install module \u2013name:X \u2013image:Y & echo <done>',
];
const PARENTS = ['C:\\Windows\\System32\\cmd.exe', 'C:\\Windows\\System32\\msiexec.exe', 'D:\\t\\IISSETUP.EXE', 'C:\\x\\notmsiexec.exe', '-', null];

const randomCase = (text: string, mask: number): string =>
  [...text].map((c, i) => ((mask >> i % 31) & 1 ? c.toUpperCase() : c)).join('');

const planted = fc.record({
  base: fc.nat({ max: REAL.length - 1 }),
  security: fc.boolean(),
  image: fc.constantFrom(...IMAGES),
  command: fc.constantFrom(...COMMANDS),
  parent: fc.constantFrom(...PARENTS),
  imageCase: fc.nat(),
  commandCase: fc.nat(),
  user: fc.constantFrom<string | null>('CORP\\svc_iis', null, 'ATTACKRANGE\\Administrator'),
  original: fc.constantFrom<string | null>('appcmd.exe', '-', null),
  pid: fc.constantFrom('4116', '5000', '77'),
  second: fc.nat({ max: 3 }),
});
type Planted = typeof planted extends fc.Arbitrary<infer T> ? T : never;

function plant(p: Planted): string {
  const image = randomCase(p.image, p.imageCase);
  const command = randomCase(p.command, p.commandCase);
  const time = `2022-03-25T17:46:3${p.second}.${String(p.commandCase % 10_000_000).padStart(7, '0')}Z`;
  if (p.security) {
    return variant(SECURITY, {
      data: { NewProcessName: image, CommandLine: command, ParentProcessName: p.parent, NewProcessId: `0x${Number(p.pid).toString(16)}` },
      time,
    });
  }
  return variant(REAL[p.base] as string, {
    data: { Image: image, CommandLine: command, ParentImage: p.parent, User: p.user, OriginalFileName: p.original, ProcessId: p.pid },
    time,
  });
}

// ---------------------------------------------------------------- layouts
type Layout = 'lines' | 'pretty-wrapped-crlf' | 'gzip' | 'utf16le';
function render(events: string[], layout: Layout): Uint8Array {
  const lines = `${events.join('\n')}\n`;
  switch (layout) {
    case 'lines':
      return new TextEncoder().encode(lines);
    case 'gzip':
      return gzipSync(Buffer.from(lines));
    case 'pretty-wrapped-crlf': {
      // Double quotes for attributes (values hold &apos;, never a raw quote) and a line break between adjacent tags.
      const pretty = events.map((e) => e.replace(/(\s\w+)='([^']*)'/g, '$1="$2"').replace(/><(?!\/Data)/g, '>\r\n  <'));
      return new TextEncoder().encode(`<?xml version="1.0" encoding="utf-8"?>\r\n<Events>\r\n${pretty.join('\r\n')}\r\n</Events>\r\n`);
    }
    case 'utf16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lines, 'utf16le')]);
  }
}

async function productRows(bytes: Uint8Array): Promise<Row[]> {
  const scan = new Scan();
  const report = await scan.scanSource({ kind: 'file', path: 'x' }, (async function* () {
    yield bytes;
  })());
  expect(report.problems).toEqual({});
  return scan.findings().map((f) => Object.fromEntries([...COLUMNS, 'count', 'firstTime', 'lastTime'].map((c) => [c, f[c] as string | number])));
}

describe('the pipeline agrees with an independent oracle on real logs with planted true positives and near misses', () => {
  it('the oracle finds nothing in the real logs as they are, and neither does the product', async () => {
    const text = `${REAL.join('\n')}\n${SECURITY}\n`;
    expect(oracleRows(text)).toEqual([]);
    expect(await productRows(new TextEncoder().encode(text))).toEqual([]);
  });

  it('the oracle is not vacuous: the ART command in a real event is one row', () => {
    const rows = oracleRows(plant({ base: 0, security: false, image: IMAGES[0] as string, command: ART_T1505_004, parent: PARENTS[0] as string, imageCase: 0, commandCase: 0, user: null, original: '-', pid: '4116', second: 0 }));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ process_name: 'appcmd.exe', user: 'null', original_file_name: 'null', count: 1 });
  });

  it.each<Layout>(['lines', 'pretty-wrapped-crlf', 'gzip', 'utf16le'])('layout %s: every column of every row equal', async (layout) => {
    await fc.assert(
      fc.asyncProperty(fc.array(planted, { minLength: 1, maxLength: 12 }), fc.array(fc.nat({ max: REAL.length - 1 }), { maxLength: 6 }), async (plants, noise) => {
        const events = [...noise.map((i) => REAL[i] as string), ...plants.map(plant)];
        const expected = oracleRows(events.join('\n'));
        expect(await productRows(render(events, layout))).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });
});
