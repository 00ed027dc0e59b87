/**
 * The scan command as a user runs it: the esbuild bundle in a child process, real files, stdout/stderr/exit status.
 * Golden files pin the complete findings; UPDATE_GOLDEN=1 rewrites them (review the diff by hand: the expected rows of
 * mixed-sysmon are listed in test/fixtures/golden/README.md).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';

const CLI = 'dist/cli/scan.mjs';
const GOLDEN = 'test/fixtures/golden';

function scan(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, '--no-progress', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Golden comparison; evidence sources are the input path, so goldens are made from the repository-relative path. */
function expectGolden(name: string, stdout: string): void {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, stdout);
  expect(stdout).toBe(readFileSync(file, 'utf8'));
}

const tmp = mkdtempSync(join(tmpdir(), 'scan-cli-'));

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs', '--quiet']);
});

describe('scan command', () => {
  it('prints the golden findings for a one-event-per-line file', () => {
    const r = scan([join(GOLDEN, 'mixed-sysmon.xml')]);
    expect(r.status).toBe(0);
    expectGolden('mixed-sysmon.findings.jsonl', r.stdout);
    const rows = lines(r.stdout);
    expect(rows.map((f) => [f.process_name, f.user, f.count, f.firstTime, f.lastTime])).toEqual([
      ['APPCMD.EXE', 'Administrator', 1, '2022-03-25T18:01:00', '2022-03-25T18:01:00'],
      ['appcmd.exe', 'Administrator', 2, '2022-03-25T17:50:01', '2022-03-25T17:55:59'],
      ['appcmd.exe', 'null', 1, '2022-03-25T17:46:37', '2022-03-25T17:46:37'],
    ]);
    expect(r.stderr).toMatch(/events 7, process events 6, rows 3, problems 0/);
  });

  it('gives the same rows for the pretty-printed, wrapped, CRLF, gzip layout of the same events', () => {
    const plain = lines(scan([join(GOLDEN, 'mixed-sysmon.xml')]).stdout);
    const pretty = lines(scan([join(GOLDEN, 'mixed-sysmon-pretty.xml.gz')]).stdout);
    const columns = (f: Record<string, unknown>) => ({ ...f, evidence: undefined });
    expect(pretty.map(columns)).toEqual(plain.map(columns));
  });

  it('forms one search over all inputs: the same row in two files is one row with both counts', () => {
    const r = scan([join(GOLDEN, 'mixed-sysmon.xml'), join(GOLDEN, 'mixed-sysmon-pretty.xml.gz')]);
    const counts = lines(r.stdout).map((f) => f.count);
    expect(counts).toEqual([2, 4, 2]);
  });

  it('applies a filter file as the detection filter macro', () => {
    const filter = join(tmp, 'filter.spl');
    writeFileSync(filter, '# drop the discovery false positive\nNOT user=null\n');
    const r = scan(['--filter', filter, join(GOLDEN, 'mixed-sysmon.xml')]);
    expect(lines(r.stdout).map((f) => f.user)).toEqual(['Administrator', 'Administrator']);
  });

  it('rejects a filter with a syntax error, naming line and column, exit 2', () => {
    const filter = join(tmp, 'bad-filter.spl');
    writeFileSync(filter, 'user=x\nNOT (dest="a"\n');
    const r = scan(['--filter', filter, join(GOLDEN, 'mixed-sysmon.xml')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad-filter\.spl.*line 2/);
  });

  it('--fail-on-findings exits 1 when rows are found, 0 when none', () => {
    expect(scan(['--fail-on-findings', join(GOLDEN, 'mixed-sysmon.xml')]).status).toBe(1);
    expect(scan(['--fail-on-findings', 'test/fixtures/scan/appcmd-discovery-negatives.xml.log']).status).toBe(0);
  });

  it('--emit events prints every event with its location, System and Data', () => {
    const r = scan(['--emit', 'events', join(GOLDEN, 'mixed-sysmon.xml')]);
    const events = lines(r.stdout);
    expect(events).toHaveLength(7);
    const first = events[0] as { source: Record<string, unknown>; system: Record<string, unknown>; data: Record<string, unknown> };
    expect(first.source).toEqual({ path: join(GOLDEN, 'mixed-sysmon.xml'), line: 1, offset: 0 });
    expect(first.system).toMatchObject({ EventID: '1', EventRecordID: '361823', Computer: 'win-dc-emcginnis-47905-664.attackrange.local' });
    expect(first.data.CommandLine).toBe('"C:\\Windows\\System32\\calc.exe" ');
    const second = events[1] as { source: { line: number; offset: number } };
    expect(second.source.line).toBe(2);
    expect(second.source.offset).toBe(readFileSync(join(GOLDEN, 'mixed-sysmon.xml')).indexOf('\n') + 1);
  });

  it('--summary writes the totals as JSON', () => {
    const file = join(tmp, 'summary.json');
    scan(['--summary', file, join(GOLDEN, 'mixed-sysmon.xml')]);
    const summary = JSON.parse(readFileSync(file, 'utf8'));
    expect(summary).toMatchObject({ files: 1, events: 7, processEvents: 6, rows: 3, problems: {} });
  });

  it('names a missing path and exits 2, after scanning the rest', () => {
    const r = scan([join(tmp, 'does-not-exist.log'), join(GOLDEN, 'mixed-sysmon.xml')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('does-not-exist.log: no such file or directory');
    expect(lines(r.stdout)).toHaveLength(3);
  });

  it.each([
    [['--emit', 'rows', 'x'], /--emit must be findings or events/],
    [['--bogus', 'x'], /Unknown option '--bogus'/],
    [[], /no input/],
    [['--max-event-bytes', '0', 'x'], /--max-event-bytes needs a positive integer/],
    [['--max-ratio', '0', 'x'], /--max-ratio needs a positive whole number \(plain digits, no suffix\), got "0"/],
    [['--max-ratio', '2.5', 'x'], /--max-ratio needs a positive whole number .*got "2\.5"/],
    [['--ratio-floor', '64M', 'x'], /--ratio-floor needs a whole number ≥ 0 .*got "64M"/],
    [['--ratio-floor=-1', 'x'], /--ratio-floor needs a whole number ≥ 0 .*got "-1"/],
    [['--max-decoded-bytes', '1e9', 'x'], /--max-decoded-bytes needs a positive whole number .*got "1e9"/],
    [['--max-decoded-bytes', '', 'x'], /--max-decoded-bytes needs a positive whole number .*got ""/],
    [['--by-fields', 'dest,bogus field', 'x'], /--by-fields: .*"bogus field" is not a Processes field name/],
    [['--json-time-zone', 'Mars/Olympus', 'x'], /--json-time-zone: "Mars\/Olympus" is not UTC, an offset .* or an IANA time zone name/],
    [['--json-time-zone', '+24:00', 'x'], /--json-time-zone: "\+24:00" is not a valid offset/],
    [['--json-time-zone', '', 'x'], /--json-time-zone: "" is not UTC/],
    // util.parseArgs takes a separate value starting with '-' for an option; its message says to use '='.
    [['--json-time-zone', '-05:30', 'x'], /--json-time-zone=-XYZ/],
  ])('usage error %j exits 2 with a message', (args, message) => {
    const r = scan(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    [[], '2020-08-01T05:16:42Z'],
    [['--json-time-zone', 'UTC'], '2020-08-01T05:16:42Z'],
    [['--json-time-zone=-0530'], '2020-08-01T10:46:42Z'],
    [['--json-time-zone=Europe/Berlin'], '2020-08-01T03:16:42Z'],
  ])('%j reads NXLog\'s zone-less EventTime 2020-08-01 05:16:42 as %s', (flags, time) => {
    const r = scan([...flags, '--emit', 'events', 'test/fixtures/jsonl/splunk-nxlog-attack-data.lines-141-180.json']);
    expect(r.status).toBe(0);
    const events = lines(r.stdout);
    expect(events).toHaveLength(40);
    expect(new Set(events.map((e) => (e.system as Record<string, unknown>).TimeCreated))).toEqual(new Set([time]));
  });

  it('--help documents every option', () => {
    const r = scan(['--help']);
    expect(r.status).toBe(0);
    for (const option of ['--filter', '--emit', '--summary', '--fail-on-findings', '--user-format', '--by-fields', '--max-event-bytes', '--max-decoded-bytes', '--max-ratio', '--ratio-floor', '--json-time-zone']) {
      expect(r.stdout).toContain(option);
    }
  });

  describe('decompression limits', () => {
    // The golden file (3 rows) followed by 4 MiB of newlines: ~400:1 as gzip, far below the default guard.
    const padded = join(tmp, 'padded.xml.gz');
    beforeAll(() => {
      writeFileSync(padded, gzipSync(Buffer.concat([readFileSync(join(GOLDEN, 'mixed-sysmon.xml')), Buffer.alloc(4 * 1024 * 1024, 0x0a)]), { level: 9 }));
    });

    it('without flags the padded gzip scans to its end', () => {
      const r = scan([padded]);
      expect(r.status).toBe(0);
      expect(lines(r.stdout)).toHaveLength(3);
      expect(r.stderr).not.toMatch(/too-large/);
    });

    it.each([
      [['--max-ratio', '50', '--ratio-floor', '0'], /too-large: decoded gzip data reached \d+ bytes from \d+ compressed bytes, over the 50:1 ratio limit: a decompression bomb/],
      [['--max-ratio', '50', '--ratio-floor', '1048576'], /too-large: .*over the 50:1 ratio limit/],
      [['--max-decoded-bytes', '1048576'], /too-large: decoded gzip data exceeds the 1048576-byte limit/],
    ])('%j: the input fails as too-large, named in the summary, exit 2', (flags, message) => {
      const summaryFile = join(tmp, 'limits-summary.json');
      const r = scan([...flags, '--summary', summaryFile, padded]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { failed: Array<{ reason: string }>; problems: Record<string, number> };
      expect(summary.failed.map((f) => f.reason)).toEqual(['too-large']);
      expect(summary.problems['too-large']).toBe(1);
    });

    it('a floor above the input leaves a low ratio unchecked', () => {
      const r = scan(['--max-ratio', '50', '--ratio-floor', String(8 * 1024 * 1024), padded]);
      expect(r.status).toBe(0);
      expect(lines(r.stdout)).toHaveLength(3);
    });
  });

  it('survives hostile inputs with located problems, exit 2 for the files it could not read, and still finds the good events around them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostile-'));
    const good = readFileSync(join(GOLDEN, 'mixed-sysmon.xml'), 'utf8');
    const [one, two, ...rest] = good.split('\n');
    writeFileSync(
      join(dir, 'a'),
      [
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>',
        one,
        '<Event xmlns="x"><System><EventID>1</EventID>',
        two,
        'garbage \u0000\u0001 not xml',
        ...rest,
      ].join('\n'),
    );
    writeFileSync(join(dir, 'b.gz'), gzipSync(Buffer.from(good)).subarray(0, 900));
    writeFileSync(join(dir, 'c'), Buffer.from([0xff, 0xfe, 0xfd, 0x00, 0x80, 0x81]));
    // Bit flips inside the deflate data (not just a cut): zlib errors mid-write, which once left the scan waiting forever.
    const flipped = Buffer.from(gzipSync(Buffer.from(good)));
    for (let i = 200; i < flipped.length - 20; i += 50) flipped[i] = (flipped[i] as number) ^ 0x5a;
    writeFileSync(join(dir, 'd.gz'), flipped);
    const r = scan([dir]);
    // b.gz and d.gz cannot be decoded (failed): exit 2, after the rows of every other input were printed.
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).toMatch(/forbidden-dtd/);
    expect(r.stderr).toMatch(/failed: .*b\.gz: corrupt-compression/);
    expect(r.stderr).toMatch(/failed: .*d\.gz: corrupt-compression/);
    // a's good events still give the three rows (b is cut before its matches).
    expect(lines(r.stdout).map((f) => f.count)).toEqual([1, 2, 1]);
  });
});
