/**
 * The jsonTimeZone option through Scan: real NXLog records whose EventTime has no zone get firstTime/lastTime read in the
 * chosen zone; a record with a zoned time keeps it. Fixtures: test/fixtures/jsonl (provenance in SOURCES.md).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Scan } from '../../functions/core/scan.ts';
import { parseJsonTimeZone } from '../../functions/core/read/json-time-zone.ts';
import { WINDOWS_IIS_COMPONENTS_ADD_NEW_MODULE } from '../../functions/core/rules/windows-iis-components-add-new-module.ts';
import type { Detection } from '../../functions/core/rules/detection.ts';

const ANY_PROCESS: Detection = {
  ...WINDOWS_IIS_COMPONENTS_ADD_NEW_MODULE,
  id: 'json-time-zone-any-process',
  slug: 'json_time_zone_any_process',
  search:
    '| tstats `security_content_summariesonly` count min(_time) as firstTime max(_time) as lastTime from datamodel=Endpoint.Processes where Processes.process_name="*.exe" by Processes.dest Processes.process_name | `drop_dm_object_name(Processes)` | `security_content_ctime(firstTime)` | `security_content_ctime(lastTime)` | `json_time_zone_any_process_filter`',
};

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/jsonl/${name}`, import.meta.url), 'utf8');

/** [process_name, firstTime, lastTime] of each row. */
async function times(text: string, zone?: string): Promise<string[][]> {
  const scan = new Scan({ detections: [ANY_PROCESS], ...(zone === undefined ? {} : { jsonTimeZone: parseJsonTimeZone(zone) }) });
  const report = await scan.scanSource({ kind: 'file', path: 'input' }, [Buffer.from(text)] as unknown as AsyncIterable<Uint8Array>);
  expect(report.problems).toEqual({});
  return scan.findings().map((f) => [String(f.process_name), String(f.firstTime), String(f.lastTime)]);
}

describe('jsonTimeZone through Scan', () => {
  // splunk/attack_data NXLog: two Sysmon EID 1 records, EventTime 2020-08-01 05:16:42 without a zone.
  const nxlog = fixture('splunk-nxlog-attack-data.lines-141-180.json');

  it.each<[string | undefined, string]>([
    [undefined, '2020-08-01T05:16:42'],
    ['UTC', '2020-08-01T05:16:42'],
    ['+02:00', '2020-08-01T03:16:42'],
    ['-0530', '2020-08-01T10:46:42'],
    ['Europe/Berlin', '2020-08-01T03:16:42'],
    ['America/New_York', '2020-08-01T09:16:42'],
  ])('zone %s: the zone-less EventTime reads as %s', async (zone, time) => {
    expect(await times(nxlog, zone)).toEqual([
      ['splunkd.exe', time, time],
      ['svchost.exe', time, time],
    ]);
  });

  // OTRF NXLog via Logstash: reg.exe's EventTime 2020-09-22 04:28:40 (host in EDT), @timestamp 2020-09-22T08:28:41.547Z,
  // Sysmon's UtcTime 2020-09-22 08:28:40.319.
  const otrf = fixture('otrf-nxlog-empire-reg-dump-sam.lines-201-240.json');
  const regLine = otrf.split('\n').find((line) => line.includes('"EventID":1,') && line.includes('reg.exe')) ?? '';

  it('keeps a zoned @timestamp whatever the zone', async () => {
    for (const zone of [undefined, 'Europe/Berlin', '+05:30']) {
      expect(await times(regLine, zone)).toEqual([['reg.exe', '2020-09-22T08:28:41', '2020-09-22T08:28:41']]);
    }
  });

  it("reads the zone-less EventTime in the host's zone as Sysmon's UtcTime once @timestamp is gone", async () => {
    const record = JSON.parse(regLine) as Record<string, unknown>;
    delete record['@timestamp'];
    const withoutTimestamp = JSON.stringify(record);
    expect(await times(withoutTimestamp)).toEqual([['reg.exe', '2020-09-22T04:28:40', '2020-09-22T04:28:40']]);
    expect(await times(withoutTimestamp, 'America/New_York')).toEqual([['reg.exe', '2020-09-22T08:28:40', '2020-09-22T08:28:40']]);
  });
});
