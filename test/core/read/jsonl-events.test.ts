/**
 * readJsonlEvents over real exports of every supported producer: counts against an independent count (Python's json
 * module, SOURCES.md), hand-checked field values per shape, Windows' own rendered Message as an oracle for the Sysmon
 * Data values, the prefilter contract, and identical output whatever the chunking.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readJsonlEvents, type JsonlReaderOptions, type JsonlReaderStats } from '../../../functions/core/read/jsonl-events.ts';
import type { Problem, RawEvent } from '../../../functions/core/read/raw-event.ts';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(fileURLToPath(new URL(`../../fixtures/jsonl/${name}`, import.meta.url))));

async function* split(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    yield bytes.subarray(from, Math.max(from, cut));
    from = Math.max(from, cut);
  }
  yield bytes.subarray(from);
}

async function readAll(bytes: Uint8Array, options: JsonlReaderOptions = {}, cuts: number[] = []): Promise<{ events: RawEvent[]; problems: Problem[]; stats: JsonlReaderStats }> {
  const stats: JsonlReaderStats = { bytes: 0, events: 0, skipped: 0, problems: 0 };
  const events: RawEvent[] = [];
  const problems: Problem[] = [];
  for await (const item of readJsonlEvents(split(bytes, cuts), { ...options, stats })) {
    if (item.ok) events.push(item.event);
    else problems.push(item.problem);
  }
  return { events, problems, stats };
}

const sysmon = (e: RawEvent): boolean => e.system.Provider === 'Microsoft-Windows-Sysmon';
const FIXTURES = [
  ['sigma-renamed-ftp.evtx_dump.json', 1, 1, 1],
  ['sigma-cve-2026-33829-two-events.evtx_dump.json', 2, 2, 2],
  ['winlogbeat-sysmon-processcreate.golden.json', 1, 1, 1],
  ['otrf-cmd-lsass-dumpert.json', 118, 95, 1],
  ['otrf-nxlog-empire-reg-dump-sam.lines-201-240.json', 40, 35, 1],
  ['otrf-winlogbeat6-empire-enable-rdp.lines-261-290.json', 30, 22, 1],
  ['otrf-aptsimulator.lines-1-30.json', 30, 30, 2],
  ['otrf-azure-windowsevent-log4shell.lines-1-40.json', 40, 40, 2],
  ['otrf-azure-securityevent-log4shell.lines-1-10.json', 10, 0, 0],
  ['splunk-nxlog-attack-data.lines-141-180.json', 40, 40, 2],
] as const;

describe('readJsonlEvents on real exports', () => {
  it.each(FIXTURES)('%s: %i events, %i Sysmon, %i Sysmon EID 1, no problems', async (name, events, sysmonEvents, eid1) => {
    const bytes = fixture(name);
    const result = await readAll(bytes);
    expect(result.problems).toEqual([]);
    expect(result.events).toHaveLength(events);
    expect(result.events.filter(sysmon)).toHaveLength(sysmonEvents);
    expect(result.events.filter((e) => sysmon(e) && e.system.EventID === '1')).toHaveLength(eid1);
    expect(result.stats).toEqual({ bytes: bytes.length, events, skipped: 0, problems: 0 });
    // Every event has a time in the TimeCreated form and a location at its opening brace.
    for (const e of result.events) {
      expect(e.system.TimeCreated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
      expect(bytes[e.location.offset]).toBe(0x7b);
    }
  });

  it('evtx_dump (Sigma regression data): every System field and Data value, numbers as decimal strings, GUIDs braced', async () => {
    const { events } = await readAll(fixture('sigma-renamed-ftp.evtx_dump.json'));
    // Values read off the fixture by hand; GUID-typed values get back the braces Windows shows.
    expect(events).toEqual([
      {
        location: { offset: 0, line: 1 },
        system: {
          Provider: 'Microsoft-Windows-Sysmon',
          EventID: '1',
          Version: '5',
          Channel: 'Microsoft-Windows-Sysmon/Operational',
          Computer: 'ar-win-1',
          EventRecordID: '256757',
          TimeCreated: '2025-10-22T20:25:23.218638Z',
          UserID: 'S-1-5-18',
        },
        data: {
          RuleName: '-',
          UtcTime: '2025-10-22 20:25:23.215',
          ProcessGuid: '{5AB40FD1-3DB3-68F9-0A31-000000003B02}',
          ProcessId: '5312',
          Image: 'C:\\Users\\Administrator\\Downloads\\testdata\\renamed-ftp.exe',
          FileVersion: '10.0.20348.3451 (WinBuild.160101.0800)',
          Description: 'File Transfer Program',
          Product: 'Microsoft® Windows® Operating System',
          Company: 'Microsoft Corporation',
          OriginalFileName: 'ftp.exe',
          CommandLine: 'renamed-ftp.exe',
          CurrentDirectory: 'C:\\Users\\Administrator\\Downloads\\testdata\\',
          User: 'AR-WIN-1\\Administrator',
          LogonGuid: '{5AB40FD1-8D74-68F7-E44B-100000000000}',
          LogonId: '0x104be4',
          TerminalSessionId: '2',
          IntegrityLevel: 'High',
          Hashes: 'MD5=02EF5C4F3C041DE47811498C331B6F46,SHA256=B551CF05B43639364EFC71995E19DB620F5EFCE311110D0CF932354C3FE6ED7A,IMPHASH=7B22256667E90FDEA4DBB956FD02584C',
          ParentProcessGuid: '{5AB40FD1-8DEB-68F7-7E01-000000003B02}',
          ParentProcessId: '476',
          ParentImage: 'C:\\Windows\\System32\\cmd.exe',
          ParentCommandLine: '"C:\\Windows\\system32\\cmd.exe"',
          ParentUser: 'AR-WIN-1\\Administrator',
        },
      },
    ]);
  });

  it('evtx_dump: two pretty-printed objects back to back, located at their opening lines', async () => {
    const { events } = await readAll(fixture('sigma-cve-2026-33829-two-events.evtx_dump.json'));
    expect(events.map((e) => e.location.line)).toEqual([1, 67]);
  });

  it('Winlogbeat 8 sysmon module: winlog.* plus the process fields the module moved into ECS', async () => {
    const { events } = await readAll(fixture('winlogbeat-sysmon-processcreate.golden.json'));
    expect(events[0]?.system).toEqual({
      Provider: 'Microsoft-Windows-Sysmon',
      EventID: '1',
      Version: '5',
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Computer: 'vagrant',
      EventRecordID: '20',
      TimeCreated: '2020-10-27T20:00:14.32Z',
      UserID: 'S-1-5-18',
    });
    expect(events[0]?.data).toMatchObject({
      Image: 'C:\\Windows\\System32\\notepad.exe',
      CommandLine: '"C:\\Windows\\system32\\notepad.exe" ',
      OriginalFileName: 'NOTEPAD.EXE',
      ParentImage: 'C:\\Windows\\explorer.exe',
      ParentCommandLine: 'C:\\Windows\\Explorer.EXE',
      ProcessId: '3616',
      User: 'VAGRANT\\vagrant',
      LogonId: '0x2c9e7',
      IntegrityLevel: 'Medium',
    });
  });

  it('NXLog im_msvistalog: execution ids and NXLog/Logstash metadata are not Data; zoned @timestamp beats local EventTime', async () => {
    const { events } = await readAll(fixture('otrf-nxlog-empire-reg-dump-sam.lines-201-240.json'));
    const eid1 = events.find((e) => sysmon(e) && e.system.EventID === '1');
    expect(eid1?.system).toEqual({
      Provider: 'Microsoft-Windows-Sysmon',
      EventID: '1',
      Version: '5',
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Computer: 'WORKSTATION5.theshire.local',
      EventRecordID: '3400681',
      // EventTime is "2020-09-22 04:28:40" (host-local, no zone); @timestamp "2020-09-22T08:28:41.547Z".
      TimeCreated: '2020-09-22T08:28:41.547Z',
      UserID: 'S-1-5-18',
    });
    expect(eid1?.data['CommandLine']).toBe('"C:\\windows\\system32\\reg.exe" save HKLM\\sam sam');
    for (const key of ['ThreadID', 'ExecutionProcessID', 'EventTime', 'Message', 'Hostname', '@timestamp', 'port', 'tags', 'SourceModuleType', 'Keywords']) {
      expect(Object.keys(eid1?.data ?? {})).not.toContain(key);
    }
  });

  it('older NXLog: ProcessID/ThreadID of the logging process are dropped, Sysmon ProcessId kept', async () => {
    const { events } = await readAll(fixture('splunk-nxlog-attack-data.lines-141-180.json'));
    const eid1 = events.find((e) => e.system.EventID === '1');
    expect(eid1?.data['ProcessID']).toBeUndefined();
    expect(eid1?.data['ThreadID']).toBeUndefined();
    expect(eid1?.data['ParentProcessId']).toBe('2160');
    // Zone-less EventTime "2020-08-01 05:16:42", no @timestamp: taken as UTC.
    expect(eid1?.system.TimeCreated).toBe('2020-08-01T05:16:42Z');
  });

  it('Winlogbeat 6: top-level fields, record_number as given', async () => {
    const { events } = await readAll(fixture('otrf-winlogbeat6-empire-enable-rdp.lines-261-290.json'));
    const eid1 = events.find((e) => sysmon(e) && e.system.EventID === '1');
    expect(eid1?.system).toMatchObject({ Computer: 'HR001.shire.com', EventRecordID: '2234831', Channel: 'Microsoft-Windows-Sysmon/Operational', TimeCreated: '2019-05-18T20:37:10.409Z' });
    expect(eid1?.data['Image']).toBe('C:\\Windows\\System32\\reg.exe');
  });

  it('Azure SecurityEvent: Data parsed out of the EventData XML string', async () => {
    const { events } = await readAll(fixture('otrf-azure-securityevent-log4shell.lines-1-10.json'));
    expect(events[0]?.system).toEqual({ Provider: 'Microsoft-Windows-Security-Auditing', EventID: '5156', Channel: 'Security', Computer: 'WORKSTATION5', TimeCreated: '2022-05-13T08:54:05.21Z' });
    expect(events[0]?.data).toMatchObject({ ProcessID: '3936', Direction: '%%14592', DestPort: '8080', RemoteUserID: 'S-1-0-0' });
  });

  // Windows renders the same EventData into Message ("Image: C:\…\r\nCommandLine: …"). Hex digits may differ in case.
  it.each(['otrf-cmd-lsass-dumpert.json', 'otrf-winlogbeat6-empire-enable-rdp.lines-261-290.json', 'otrf-aptsimulator.lines-1-30.json', 'splunk-nxlog-attack-data.lines-141-180.json'])(
    '%s: Sysmon Data values equal what Windows rendered into Message',
    async (name) => {
      const bytes = fixture(name);
      const { events } = await readAll(bytes);
      const lines = new TextDecoder().decode(bytes).split('\n').filter((l) => l.trim().length > 0);
      let compared = 0;
      events.forEach((event, i) => {
        if (!sysmon(event)) return;
        const record = JSON.parse(lines[i] as string) as { Message?: string; message?: string };
        const message = record.Message ?? record.message ?? '';
        for (const m of message.split(/\r?\n/).slice(1).map((l) => /^([A-Za-z]+): (.*)$/.exec(l))) {
          if (m === null || !(m[1] as string in event.data)) continue;
          const ours = event.data[m[1] as string] as string;
          const windows = m[2] as string;
          expect(/^0x[0-9a-f]+$/i.test(ours) ? ours.toLowerCase() : ours).toBe(/^0x[0-9a-f]+$/i.test(windows) ? windows.toLowerCase() : windows);
          compared++;
        }
      });
      expect(compared).toBeGreaterThan(100);
    },
  );

  it('the prefilter sees each record once; rejected records are counted as skipped and never parsed', async () => {
    const bytes = fixture('otrf-cmd-lsass-dumpert.json');
    const seen: string[] = [];
    const wanted = Buffer.from('Outflank-Dumpert.exe');
    const { events, stats } = await readAll(bytes, {
      prefilter: ({ window, start, end }) => {
        const record = Buffer.from(window.subarray(start, end));
        seen.push(record.toString('utf8'));
        return record.includes(wanted);
      },
    });
    const lines = new TextDecoder().decode(bytes).split('\n').filter((l) => l.length > 0);
    expect(seen).toEqual(lines.map((l) => l.replace(/\r$/, '')));
    const kept = lines.filter((l) => l.includes('Outflank-Dumpert.exe')).length;
    expect(events).toHaveLength(kept);
    expect(stats).toMatchObject({ events: 118, skipped: 118 - kept, problems: 0 });
  });

  it.each(FIXTURES.map(([name]) => name))('%s: identical items however the stream is cut', async (name) => {
    const bytes = fixture(name);
    const whole = await readAll(bytes);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 12 }), async (cuts) => {
        const { events, problems } = await readAll(bytes, {}, cuts);
        expect({ events, problems }).toEqual({ events: whole.events, problems: whole.problems });
      }),
      { numRuns: 15 },
    );
  });

  it('adds to shared counters instead of overwriting them (zip members share one stats object)', async () => {
    const stats: JsonlReaderStats = { bytes: 1000, events: 5, skipped: 2, problems: 1 };
    const bytes = fixture('otrf-aptsimulator.lines-1-30.json');
    for await (const item of readJsonlEvents(split(bytes, []), { stats })) void item;
    expect(stats).toEqual({ bytes: 1000 + bytes.length, events: 5 + 30, skipped: 2, problems: 1 });
  });

  it('reads UTF-16LE input (PowerShell Out-File) after transcoding', async () => {
    const text = new TextDecoder().decode(fixture('otrf-aptsimulator.lines-1-30.json'));
    const utf16 = new Uint8Array([0xff, 0xfe, ...Buffer.from(text, 'utf16le')]);
    const { events, problems } = await readAll(utf16);
    expect(problems).toEqual([]);
    expect(events.map((e) => e.data)).toEqual((await readAll(fixture('otrf-aptsimulator.lines-1-30.json'))).events.map((e) => e.data));
  });
});
