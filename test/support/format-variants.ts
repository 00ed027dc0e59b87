/**
 * Test support: the same real events in every input format. The 40 real Sysmon EID 1 records of
 * test/fixtures/evtx/appcmd-discovery.evtx (sbousseaden/EVTX-ATTACK-SAMPLES, GPL-3.0) and their XmlWinEventLog rendering by
 * libevtx evtxexport (the DERIVED .xml.log fixture); true positives in the shape of Atomic Red Team T1505.004 placed into
 * the CommandLine of three real appcmd.exe records (in the EVTX bytes: same UTF-16 length, padded with spaces, chunk
 * checksums resealed; in the XML line alike) and a near miss into a fourth. The JSON forms are written from the XML events
 * in the layout of the real exports in test/fixtures/jsonl (keys, value types and order as seen there).
 */
import { Buffer } from 'node:buffer';
import { expect } from 'vitest';
import { resealChunk } from '../core/read/evtx/evtx-builder.ts';
import { fixture } from '../core/read/evtx/evtx-fixtures.ts';
import { ART_T1505_004, xmlEscape } from '../core/event-variants.ts';

// ---------------------------------------------------------------------------------------------------------------
// The XML events, read with regular expressions written here (not the product's XML reader).

/** One XML event: System values and Data pairs in document order. */
export interface XmlEvent {
  system: { Provider: string; Guid: string; EventID: string; Version: string; Level: string; Task: string; Opcode: string; Keywords: string; SystemTime: string; EventRecordID: string; ProcessID: string; ThreadID: string; Channel: string; Computer: string; UserID: string };
  data: [string, string][];
}

const ENTITY: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const decode = (s: string): string => s.replace(/&(lt|gt|amp|quot|apos);/g, (_m, name: string) => ENTITY[name] as string);

/** Reads one XmlWinEventLog line with regular expressions written here (not the product's XML reader). */
export function parseXml(line: string): XmlEvent {
  const one = (re: RegExp): string => {
    const m = re.exec(line);
    if (m?.[1] === undefined) throw new Error(`no ${re} in ${line.slice(0, 80)}`);
    return decode(m[1]);
  };
  return {
    system: {
      Provider: one(/<Provider Name='([^']*)'/),
      Guid: one(/<Provider [^>]*Guid='([^']*)'/),
      EventID: one(/<EventID>([^<]*)</),
      Version: one(/<Version>([^<]*)</),
      Level: one(/<Level>([^<]*)</),
      Task: one(/<Task>([^<]*)</),
      Opcode: one(/<Opcode>([^<]*)</),
      Keywords: one(/<Keywords>([^<]*)</),
      SystemTime: one(/<TimeCreated SystemTime='([^']*)'/),
      EventRecordID: one(/<EventRecordID>([^<]*)</),
      ProcessID: one(/<Execution ProcessID='([^']*)'/),
      ThreadID: one(/<Execution [^>]*ThreadID='([^']*)'/),
      Channel: one(/<Channel>([^<]*)</),
      Computer: one(/<Computer>([^<]*)</),
      UserID: one(/<Security UserID='([^']*)'/),
    },
    data: Array.from(line.matchAll(/<Data Name='([^']*)'(?:\/>|>([^<]*)<\/Data>)/g), (m) => [m[1] as string, decode(m[2] ?? '')]),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The planted true positives and the near miss, in the EVTX bytes and the XML lines.

/** EventRecordID → the CommandLine placed into it. */
export const PLANTS: Record<string, string> = {
  '5919': ART_T1505_004,
  '5976': ART_T1505_004.replace('DefaultDocumentModule_Atomic', 'IisModule_B'),
  '5883': '"C:\\Windows\\System32\\inetsrv\\appcmd.exe" install module /name:Backdoor /image:C:\\inetpub\\bd.dll',
  // A near miss: install module without an image.
  '5886': '"C:\\Windows\\System32\\inetsrv\\appcmd.exe" install module /name:Plain /add',
};

/**
 * The file offset and size of the n-th record (0-based) in file order, found by walking chunk and record headers (not the
 * product's reader). By position: this export renumbered the record headers 1–40, EventRecordID kept the log's 5875…
 */
function recordAt(evtx: Uint8Array, n: number): { offset: number; size: number } {
  const view = new DataView(evtx.buffer, evtx.byteOffset, evtx.byteLength);
  let seen = 0;
  for (let chunk = 4096; chunk + 65536 <= evtx.length; chunk += 65536) {
    if (Buffer.from(evtx.subarray(chunk, chunk + 8)).toString('latin1') !== 'ElfChnk\0') continue;
    for (let at = chunk + 512; at + 24 <= chunk + 65536 && view.getUint32(at, true) === 0x2a2a; at += view.getUint32(at + 4, true)) {
      if (seen++ === n) return { offset: at, size: view.getUint32(at + 4, true) };
    }
  }
  throw new Error(`record #${n} not found`);
}

/** The EVTX file and its XML lines, with the commands of PLANTS in place. */
export function planted(): { evtx: Uint8Array; xml: string[] } {
  const evtx = fixture('appcmd-discovery.evtx.gz').slice();
  const xml = new TextDecoder().decode(fixture('appcmd-discovery.evtx.xml.log.gz')).split('\n').filter((l) => l.length > 0);
  for (const [id, command] of Object.entries(PLANTS)) {
    const index = xml.findIndex((l) => l.includes(`<EventRecordID>${id}<`));
    const original = (parseXml(xml[index] as string).data.find(([n]) => n === 'CommandLine') as [string, string])[1];
    expect(command.length).toBeLessThanOrEqual(original.length);
    const value = command.padEnd(original.length, ' ');
    // EVTX: the UTF-16LE value inside that record, exactly once; then the chunk's checksums.
    const { offset, size } = recordAt(evtx, index);
    const record = Buffer.from(evtx.buffer, evtx.byteOffset + offset, size);
    const from = record.indexOf(Buffer.from(original, 'utf16le'));
    expect(from).toBeGreaterThan(0);
    expect(record.indexOf(Buffer.from(original, 'utf16le'), from + 1)).toBe(-1);
    record.write(value, from, 'utf16le');
    const chunk = 4096 + Math.floor((offset - 4096) / 65536) * 65536;
    resealChunk(evtx.subarray(chunk, chunk + 65536));
    xml[index] = (xml[index] as string).replace(/<Data Name='CommandLine'>[^<]*<\/Data>/, () => `<Data Name='CommandLine'>${xmlEscape(value)}</Data>`);
  }
  return { evtx, xml };
}

// ---------------------------------------------------------------------------------------------------------------
// JSON forms, in the layout of the real exports (test/fixtures/jsonl, values and key order as seen there).

const get = (e: XmlEvent, name: string): string | undefined => e.data.find(([n]) => n === name)?.[1];
const NUMERIC = new Set(['ProcessId', 'ParentProcessId', 'TerminalSessionId']);
const GUID = /^\{([0-9A-Fa-f-]{36})\}$/;
const ms = (systemTime: string): string => `${systemTime.slice(0, 23)}Z`;
const basename = (path: string | undefined): string | undefined => path?.split('\\').at(-1);

/** NXLog im_msvistalog via Logstash (otrf-nxlog-empire-reg-dump-sam): Data at the top level, zoned @timestamp. */
export function nxlog(e: XmlEvent): string {
  const s = e.system;
  const local = s.SystemTime.slice(0, 19).replace('T', ' ');
  return JSON.stringify({
    SeverityValue: 2, EventReceivedTime: local, EventID: Number(s.EventID), ProviderGuid: s.Guid, ExecutionProcessID: Number(s.ProcessID),
    Channel: s.Channel, host: 'wec.internal.cloudapp.net', AccountType: 'User', Opcode: 'Info', EventTime: local, SourceModuleType: 'im_msvistalog',
    AccountName: 'SYSTEM', Domain: 'NT AUTHORITY', '@version': '1', OpcodeValue: Number(s.Opcode), Severity: 'INFO', SourceName: s.Provider,
    Category: 'Process Create (rule: ProcessCreate)', Keywords: -9223372036854775808, UserID: s.UserID, ThreadID: Number(s.ThreadID), EventType: 'INFO',
    '@timestamp': ms(s.SystemTime), port: 64545, RecordNumber: Number(s.EventRecordID), Task: Number(s.Task), SourceModuleName: 'eventlog', Version: Number(s.Version),
    Hostname: s.Computer, tags: ['mordorDataset'],
    Message: `Process Create:\r\n${e.data.map(([n, v]) => `${n}: ${v}`).join('\r\n')}`,
    ...Object.fromEntries(e.data),
  });
}

/** evtx_dump (sigma regression data): typed numbers, GUIDs without braces, attributes under #attributes. */
export function evtxDump(e: XmlEvent): object {
  const s = e.system;
  const eventData = Object.fromEntries(
    e.data.map(([n, v]) => [n, v === '' ? null : NUMERIC.has(n) ? Number(v) : GUID.test(v) ? (GUID.exec(v)?.[1] as string) : v]),
  );
  return {
    Event: {
      '#attributes': { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' },
      System: {
        Provider: { '#attributes': { Name: s.Provider, Guid: GUID.exec(s.Guid)?.[1] } },
        EventID: Number(s.EventID), Version: Number(s.Version), Level: Number(s.Level), Task: Number(s.Task), Opcode: Number(s.Opcode), Keywords: s.Keywords,
        TimeCreated: { '#attributes': { SystemTime: s.SystemTime } },
        EventRecordID: Number(s.EventRecordID),
        Correlation: null,
        Execution: { '#attributes': { ProcessID: Number(s.ProcessID), ThreadID: Number(s.ThreadID) } },
        Channel: s.Channel, Computer: s.Computer,
        Security: { '#attributes': { UserID: s.UserID } },
      },
      EventData: eventData,
    },
  };
}

/** Winlogbeat 6.7 (otrf-winlogbeat6-empire-enable-rdp): top-level fields, every Data value a string in event_data. */
export function winlogbeat6(e: XmlEvent): string {
  const s = e.system;
  return JSON.stringify({
    '@timestamp': ms(s.SystemTime), '@metadata': { beat: 'winlogbeat', type: 'doc', version: '6.7.0', topic: 'winlogbeat' },
    source_name: s.Provider, provider_guid: s.Guid.toLowerCase(), record_number: s.EventRecordID, host: { name: 'WECserver' }, event_id: Number(s.EventID),
    message: `Process Create:\n${e.data.map(([n, v]) => `${n}: ${v}`).join('\n')}`,
    user: { identifier: s.UserID, name: 'SYSTEM', domain: 'NT AUTHORITY', type: 'User' }, level: 'Information', task: 'Process Create (rule: ProcessCreate)',
    log_name: s.Channel, version: Number(s.Version), process_id: Number(s.ProcessID), thread_id: Number(s.ThreadID),
    event_data: Object.fromEntries(e.data), type: 'wineventlog', computer_name: s.Computer, opcode: 'Info', beat: { name: 'WECserver', hostname: 'WECserver', version: '6.7.0' },
  });
}

/** What the Winlogbeat 8 sysmon module moves out of winlog.event_data (elastic/beats sysmon golden file). */
const MOVED = new Set(['Image', 'CommandLine', 'CurrentDirectory', 'ProcessGuid', 'ProcessId', 'ParentImage', 'ParentCommandLine', 'ParentProcessGuid', 'ParentProcessId', 'User', 'Hashes', 'UtcTime', 'OriginalFileName']);

/** Winlogbeat 8 sysmon module (winlogbeat-sysmon-processcreate.golden.json): ECS process.*, user.*, hashes lower case. */
export function winlogbeat8(e: XmlEvent): object {
  const s = e.system;
  const [domain, name] = (get(e, 'User') ?? '').split('\\');
  const hash = Object.fromEntries((get(e, 'Hashes') ?? '').split(',').filter((h) => h.includes('=')).map((h) => h.split('=')).map(([a, d]) => [(a as string).toLowerCase(), (d as string).toLowerCase()]));
  return {
    '@timestamp': ms(s.SystemTime),
    event: { category: ['process'], code: Number(s.EventID), kind: 'event', module: 'sysmon', provider: s.Provider, type: ['start', 'process_start'] },
    host: { name: s.Computer.toLowerCase() },
    log: { level: 'information' },
    process: {
      args: [get(e, 'Image')], command_line: get(e, 'CommandLine'), entity_id: get(e, 'ProcessGuid'), executable: get(e, 'Image'), hash, name: basename(get(e, 'Image')),
      parent: { args: [get(e, 'ParentImage')], command_line: get(e, 'ParentCommandLine'), entity_id: get(e, 'ParentProcessGuid'), executable: get(e, 'ParentImage'), name: basename(get(e, 'ParentImage')), pid: Number(get(e, 'ParentProcessId')) },
      pe: { company: get(e, 'Company'), description: get(e, 'Description'), file_version: get(e, 'FileVersion'), product: get(e, 'Product') },
      pid: Number(get(e, 'ProcessId')), working_directory: get(e, 'CurrentDirectory'),
    },
    related: { user: name },
    user: { domain, name },
    winlog: {
      api: 'wineventlog', channel: s.Channel, computer_name: s.Computer,
      event_data: Object.fromEntries(e.data.filter(([n]) => !MOVED.has(n))),
      event_id: Number(s.EventID), process: { pid: Number(s.ProcessID), thread: { id: Number(s.ThreadID) } }, provider_guid: s.Guid, provider_name: s.Provider,
      record_id: Number(s.EventRecordID), user: { identifier: s.UserID }, version: Number(s.Version),
    },
  };
}

/** Every form of the planted events: label and bytes. */
export function allForms(): Array<[string, Uint8Array]> {
  const { evtx, xml } = planted();
  const events = xml.map(parseXml);
  const text = (s: string): Uint8Array => Buffer.from(s, 'utf8');
  return [
    ['XmlWinEventLog (evtxexport rendering, one event per line)', text(`${xml.join('\n')}\n`)],
    ['EVTX (real records, commands planted in the bytes)', evtx],
    ['NXLog im_msvistalog JSON lines', text(`${events.map(nxlog).join('\n')}\n`)],
    ['evtx_dump, pretty-printed objects back to back', text(`${events.map((e) => JSON.stringify(evtxDump(e), null, 2)).join('\n')}\n`)],
    ['evtx_dump with its Record separators', text(events.map((e, i) => `Record ${i + 1}\n${JSON.stringify(evtxDump(e), null, 2)}\n`).join(''))],
    ['evtx_dump as JSON lines', text(`${events.map((e) => JSON.stringify(evtxDump(e))).join('\n')}\n`)],
    ['Winlogbeat 6 JSON lines', text(`${events.map(winlogbeat6).join('\n')}\n`)],
    ['Winlogbeat 8 sysmon module, one JSON array', text(JSON.stringify(events.map(winlogbeat8), null, 2))],
  ];
}

/** A POSIX ustar archive of the given files (regular files only, names under 100 bytes), as `tar --format=ustar` writes. */
export function ustar(files: Record<string, Uint8Array>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, data] of Object.entries(files)) {
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100, 'latin1');
    header.write('0000000\0', 108, 'latin1');
    header.write('0000000\0', 116, 'latin1');
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    header.write('00000000000\0', 136, 'latin1');
    header.write('        ', 148, 'latin1');
    header.write('0', 156, 'latin1');
    header.write('ustar\0' + '00', 257, 'latin1');
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    blocks.push(header, Buffer.from(data), Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}
