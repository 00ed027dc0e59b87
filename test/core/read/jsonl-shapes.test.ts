/**
 * Producer shapes → RawEvent fields, one table row per variant the mapper claims to read (values written by hand from
 * each producer's documented or observed layout), plus the unknown-shape message.
 */
import { describe, expect, it } from 'vitest';
import { mapJsonEvent, scalarText, type MappedEvent } from '../../../functions/core/read/jsonl-shapes.ts';

const ok = (m: MappedEvent): Extract<MappedEvent, { ok: true }> => {
  if (!m.ok) throw new Error(m.message);
  return m;
};

describe('mapJsonEvent', () => {
  it.each<[string, unknown, string, Record<string, string>, Record<string, string>]>([
    [
      'evtx_dump with #attributes, EventID with Qualifiers, unnamed Data skipped',
      { Event: { System: { Provider: { '#attributes': { Name: 'Service Control Manager' } }, EventID: { '#attributes': { Qualifiers: 16384 }, '#text': 7036 }, Computer: 'DC', EventRecordID: 12, TimeCreated: { '#attributes': { SystemTime: '2019-01-01T00:00:00.123456Z' } } }, EventData: { param1: 'Windows Update', param2: 'running', Data: { '#text': ['a', 'b'] } } } },
      'evtx_dump',
      { Provider: 'Service Control Manager', EventID: '7036', Computer: 'DC', EventRecordID: '12', TimeCreated: '2019-01-01T00:00:00.123456Z' },
      { param1: 'Windows Update', param2: 'running' },
    ],
    [
      'evtx_dump --separate-json-attributes',
      { Event: { System: { Provider_attributes: { Name: 'Microsoft-Windows-Sysmon' }, EventID: 1, TimeCreated_attributes: { SystemTime: '2019-01-01T00:00:00Z' }, Security_attributes: { UserID: 'S-1-5-18' } }, EventData: { ProcessId: 42, Initiated: true, Hashes: null, Arr: [1, 2] } } },
      'evtx_dump',
      { Provider: 'Microsoft-Windows-Sysmon', EventID: '1', TimeCreated: '2019-01-01T00:00:00Z', UserID: 'S-1-5-18' },
      { ProcessId: '42', Initiated: 'true', Hashes: '', Arr: '1,2' },
    ],
    [
      'Winlogbeat 8 with event_id as a string',
      { '@timestamp': '2023-01-01T10:00:00.000Z', winlog: { provider_name: 'Microsoft-Windows-Security-Auditing', event_id: '4688', channel: 'Security', computer_name: 'ws1', record_id: '77', event_data: { NewProcessName: 'C:\\x.exe' } } },
      'winlogbeat',
      { Provider: 'Microsoft-Windows-Security-Auditing', EventID: '4688', Channel: 'Security', Computer: 'ws1', EventRecordID: '77', TimeCreated: '2023-01-01T10:00:00.000Z' },
      { NewProcessName: 'C:\\x.exe' },
    ],
    [
      // As the sysmon module writes it (elastic/beats x-pack/winlogbeat/module/sysmon golden files): Hashes split into
      // process.hash.* in lower case, User into user.domain/name, ids as numbers.
      'Winlogbeat 8 sysmon module: process.*, user.*, process.hash.* back into Sysmon Data',
      { '@timestamp': '2020-10-27T20:00:14.32Z', process: { executable: 'C:\\a.exe', command_line: 'a -x', pid: 3616, entity_id: '{9F32}', hash: { md5: 'ab', sha256: 'cd', sha1: 'ef', imphash: '01', sha512: 'zz' }, parent: { pid: 4212, executable: 'C:\\p.exe' }, pe: { original_file_name: 'A.EXE' } }, user: { domain: 'D', name: 'u' }, winlog: { provider_name: 'Microsoft-Windows-Sysmon', event_id: 1, record_id: 20, event_data: { IntegrityLevel: 'Medium' } } },
      'winlogbeat',
      { Provider: 'Microsoft-Windows-Sysmon', EventID: '1', EventRecordID: '20', TimeCreated: '2020-10-27T20:00:14.32Z' },
      { IntegrityLevel: 'Medium', Image: 'C:\\a.exe', CommandLine: 'a -x', ProcessGuid: '{9F32}', ProcessId: '3616', OriginalFileName: 'A.EXE', ParentImage: 'C:\\p.exe', ParentProcessId: '4212', User: 'D\\u', Hashes: 'SHA1=EF,MD5=AB,SHA256=CD,IMPHASH=01' },
    ],
    [
      'Winlogbeat 8 sysmon module with Hashes still in event_data: kept as written',
      { winlog: { provider_name: 'Microsoft-Windows-Sysmon', event_id: 1, event_data: { Hashes: 'MD5=AB' } }, process: { hash: { md5: 'ab' } } },
      'winlogbeat',
      { Provider: 'Microsoft-Windows-Sysmon', EventID: '1' },
      { Hashes: 'MD5=AB' },
    ],
    [
      'Winlogbeat 6',
      { '@timestamp': '2019-05-18T20:36:46.254Z', event_id: 1, source_name: 'Microsoft-Windows-Sysmon', log_name: 'Microsoft-Windows-Sysmon/Operational', computer_name: 'h', record_number: '5', user: { identifier: 'S-1-5-18' }, event_data: { Image: 'a' } },
      'winlogbeat-6',
      { Provider: 'Microsoft-Windows-Sysmon', EventID: '1', Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'h', EventRecordID: '5', TimeCreated: '2019-05-18T20:36:46.254Z', UserID: 'S-1-5-18' },
      { Image: 'a' },
    ],
    [
      'flat record whose only time is zone-less; Source as provider; Data named like NXLog ids kept without NXLog keys',
      { EventID: 5156, Source: 'Raccine', Hostname: 'h', TimeCreated: '2020-10-18 10:56:18.799', ProcessID: '3428', ThreadID: '9', Message: 'text', Pad: 1.5 },
      'flat',
      { Provider: 'Raccine', EventID: '5156', Computer: 'h', TimeCreated: '2020-10-18T10:56:18.799Z' },
      { ProcessID: '3428', ThreadID: '9', Pad: '1.5' },
    ],
    [
      'Azure WindowsEvent with EventData as an object',
      { Type: 'WindowsEvent', TimeGenerated: '2022-05-13T08:54:06.347Z', Provider: 'Microsoft-Windows-Sysmon', Channel: 'c', Computer: 'w', EventID: 1, EventData: { Image: 'x' } },
      'azure-windows-event',
      { Provider: 'Microsoft-Windows-Sysmon', EventID: '1', Channel: 'c', Computer: 'w', TimeCreated: '2022-05-13T08:54:06.347Z' },
      { Image: 'x' },
    ],
    [
      'Azure SecurityEvent with single-quoted and empty Data, entities decoded',
      { Type: 'SecurityEvent', TimeGenerated: '2022-05-13T08:54:05.21Z', EventSourceName: 'Microsoft-Windows-Security-Auditing', EventID: 4688, EventData: "<EventData><Data Name='CommandLine'>a &amp; b</Data><Data Name=\"Empty\"/></EventData>" },
      'azure-security-event',
      { Provider: 'Microsoft-Windows-Security-Auditing', EventID: '4688', TimeCreated: '2022-05-13T08:54:05.21Z' },
      { CommandLine: 'a & b', Empty: '' },
    ],
  ])('%s', (_label, value, shape, system, data) => {
    const mapped = ok(mapJsonEvent(value));
    expect(mapped.shape).toBe(shape);
    expect(mapped.system).toEqual(system);
    expect(mapped.data).toEqual(data);
  });

  it.each<[unknown, string]>([
    [{ foo: 1, bar: 2 }, 'top-level keys: foo, bar'],
    [{}, 'top-level keys: (none)'],
    [[1, 2], 'not a JSON object but an array'],
    ['text', 'not a JSON object but a string'],
    [null, 'not a JSON object but null'],
    [{ Type: 'WindowsEvent', EventData: '{not json' }, 'EventData string is not JSON'],
  ])('rejects %j: %s', (value, message) => {
    const mapped = mapJsonEvent(value);
    expect(mapped.ok).toBe(false);
    if (!mapped.ok) expect(mapped.message).toContain(message);
  });

  it('keeps the first of repeated names and a __proto__ Data name as a plain key', () => {
    const mapped = ok(mapJsonEvent(JSON.parse('{"EventID":1,"SourceName":"s","__proto__":"x","Image":"a","Image ":"b"}')));
    expect(Object.keys(mapped.data)).toEqual(['__proto__', 'Image', 'Image ']);
    expect(Object.getPrototypeOf(mapped.data)).toBe(Object.prototype);
  });

  it.each<[unknown, string | undefined]>([
    [5312, '5312'],
    [-1, '-1'],
    [0.5, '0.5'],
    [true, 'true'],
    [null, ''],
    ['s', 's'],
    [['a', 'b'], 'a,b'],
    [{ '#text': 7036 }, '7036'],
    [{ a: 1 }, undefined],
    [[{ a: 1 }], undefined],
  ])('scalarText(%j) = %j', (value, text) => {
    expect(scalarText(value)).toBe(text);
  });
});
