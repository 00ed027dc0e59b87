/**
 * The scan command over binary and archived inputs, as a user runs it: `--emit events` on EVTX files record by record
 * against the evtxexport goldens (test/fixtures/evtx/golden), events from every member of an archive with their member
 * named, and damaged samples (cut, dirty, unrecognisable, empty) ending in located problems and the documented exit code.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';

const CLI = 'dist/cli/scan.mjs';
const tmp = mkdtempSync(join(tmpdir(), 'scan-cli-formats-'));

function scan(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, '--no-progress', ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Emitted {
  source: { path: string; entry?: string; record?: number; line?: number; offset: number };
  system: Record<string, string>;
  data: Record<string, string>;
}

const emitted = (stdout: string): Emitted[] => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Emitted);

/** A fixture's original bytes written to the temporary directory (EVTX fixtures are stored gzipped). */
function original(relative: string): string {
  const bytes = readFileSync(join('test/fixtures', relative));
  const path = join(tmp, relative.split('/').pop()!.replace(/\.gz$/, ''));
  writeFileSync(path, relative.endsWith('.evtx.gz') ? gunzipSync(bytes) : bytes);
  return path;
}

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs', '--quiet']);
});

describe('--emit events on EVTX against evtxexport', () => {
  const unpadHex = (v: string): string => (/^0x(?:[0-9a-f]{8}|[0-9a-f]{16})$/.test(v) ? `0x${BigInt(v).toString(16)}` : v);

  it.each(['sysmon-unquoted-svc.evtx.gz', 'security-bad-string-cache.evtx.gz', 'appcmd-discovery.evtx.gz'])('%s: every record, and every Sysmon EID 1 field', (name) => {
    // Goldens over 32 KiB are stored gzipped (golden/README.md).
    const base = join('test/fixtures/evtx/golden', `${name.replace(/\.gz$/, '')}.golden.jsonl`);
    const golden = existsSync(base) ? readFileSync(base) : gunzipSync(readFileSync(`${base}.gz`));
    const [header, ...eid1] = golden.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const path = original(`evtx/${name}`);
    const r = scan(['--emit', 'events', path]);
    expect(r.status).toBe(0);
    const events = emitted(r.stdout);
    expect(events.map((e) => Number(e.system.EventRecordID))).toEqual((header as { recordIds: number[] }).recordIds);
    // Every event is located by its record number and the file offset of its record header.
    for (const e of events) expect(e.source).toEqual({ path, record: expect.any(Number), offset: expect.any(Number) });
    const ours = events
      .filter((e) => e.system.Provider === 'Microsoft-Windows-Sysmon' && e.system.EventID === '1')
      .map((e) => ({ EventRecordID: e.system.EventRecordID, Computer: e.system.Computer, EventData: Object.entries(e.data) }));
    expect(ours).toEqual(eid1.map((g) => ({ ...g, EventData: (g.EventData as [string, string][]).map(([n, v]) => [n, unpadHex(v)]) })));
  });

  it('archives: events of every member, each named by its member, lines counted within the member', () => {
    const path = original('compressed/logs-pax.tar.zst');
    const events = emitted(scan(['--emit', 'events', path]).stdout);
    const members = [...new Set(events.map((e) => e.source.entry))];
    expect(members).toEqual([
      'logs/credential-dumping-via-copy.log',
      'logs/pythonpath-modification.log.gz',
      'logs/sub/otrf-aptsimulator.lines-1-30-with-a-member-name-longer-than-the-hundred-bytes-a-ustar-name-field-holds.json',
    ]);
    expect(events.map((e) => e.source.entry === members[2])).toEqual([...Array(19).fill(false), ...Array(30).fill(true)]);
    expect(events.filter((e) => e.source.entry === members[2]).map((e) => e.source.line)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });
});

describe('damaged samples', () => {
  it('end in located problems, no stack trace, exit 2 for the files not read to their end; the records before the damage still come out', () => {
    const dir = mkdtempSync(join(tmp, 'damaged-'));
    const appcmd = gunzipSync(readFileSync('test/fixtures/evtx/appcmd-discovery.evtx.gz'));
    writeFileSync(join(dir, 'cut.evtx'), appcmd.subarray(0, 4096 + 30_000));
    const noMagic = Buffer.from(appcmd);
    noMagic.fill(0, 0, 8);
    writeFileSync(join(dir, 'no-magic.evtx'), noMagic);
    writeFileSync(join(dir, 'dirty.evtx'), readFileSync('test/fixtures/evtx/languagepacksetup-incomplete-record.evtx'));
    writeFileSync(join(dir, 'cut.tar.gz'), readFileSync('test/fixtures/compressed/logs.tar.gz').subarray(0, 5000));
    writeFileSync(join(dir, 'empty.log'), '');
    const summaryPath = join(dir, 'summary.json');
    const r = scan(['--emit', 'events', '--summary', summaryPath, dir]);
    // no-magic.evtx cannot be read at all and cut.tar.gz lost its end: exit 2, after every other file was scanned.
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const events = emitted(r.stdout);
    const from = (file: string): Emitted[] => events.filter((e) => e.source.path === join(dir, file));
    // 3 records lie wholly before the cut (the reader's own hostile test pins the same number); 16 in the dirty file.
    expect(from('cut.evtx')).toHaveLength(3);
    expect(from('dirty.evtx')).toHaveLength(16);
    expect(from('cut.tar.gz').length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/corrupt-evtx at .*cut\.evtx, byte \d+: EVTX file ends after 1 chunks although its header counts 5: the file is truncated/);
    expect(r.stderr).toMatch(/corrupt-evtx at .*dirty\.evtx, record 17, byte 12024: .*record 17 at file offset 12024 is incomplete/);
    expect(r.stderr).toMatch(/corrupt-compression at .*cut\.tar\.gz, entry logs\/\S+, byte 5000: gzip data cannot be decoded near compressed byte 5000: truncated/);
    expect(r.stderr).toMatch(/failed: .*no-magic\.evtx: unknown-format: not XmlWinEventLog, JSON lines, EVTX, gzip, zstd, zip or tar: first bytes 00 00 00 00/);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as { files: number; failed: Array<{ source: string; reason: string }>; problems: Record<string, number> };
    expect(summary.files).toBe(5);
    // A truncated archive ends like a truncated .gz (failed); a damaged EVTX file is located problems in a readable file.
    expect(summary.failed.map((f) => [f.source.split('/').pop(), f.reason]).sort()).toEqual([['cut.tar.gz', 'corrupt-compression'], ['no-magic.evtx', 'unknown-format']]);
    expect(r.stderr).toMatch(/failed: .*cut\.tar\.gz: corrupt-compression: gzip data cannot be decoded near compressed byte 5000: truncated/);
    expect(summary.problems).toMatchObject({ 'corrupt-evtx': 5, 'corrupt-compression': 1, 'unknown-format': 1 });
  });
});
