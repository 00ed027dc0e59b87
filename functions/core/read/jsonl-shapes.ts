/**
 * Parsed JSON event → RawEvent fields, for each producer shape, detected per object:
 * - evtx_dump (omerbenamram/evtx; Sigma regression data): `{"Event":{"System":{…},"EventData":{…}}}`, attributes under
 *   `#attributes` or (with `--separate-json-attributes`) `<Name>_attributes`;
 * - Winlogbeat 7/8 (ECS): `winlog.*`, time from `@timestamp`;
 * - Winlogbeat 6: top-level `event_id`, `source_name`, `log_name`, `record_number`, `event_data`;
 * - NXLog im_msvistalog / OTRF Security-Datasets flat records: `EventID`, `SourceName`, `Hostname`, …, Data at top level;
 * - Azure Log Analytics `WindowsEvent` (EventData as JSON) and `SecurityEvent` (EventData as XML) rows.
 * Values become strings as Windows renders them in XML: numbers in decimal, booleans `true`/`false`, null `''`.
 */
import type { RawSystem } from './raw-event.ts';
import { decodeXmlEntities } from './xml-entities.ts';
import { normalizeTimestamp } from './jsonl-time.ts';
import { UTC_ZONE, type JsonTimeZone } from './json-time-zone.ts';

/** The producer shapes recognised. */
export type JsonShape = 'evtx_dump' | 'winlogbeat' | 'winlogbeat-6' | 'flat' | 'azure-windows-event' | 'azure-security-event';

/** RawEvent fields of a JSON event, or why the object is not one. */
export type MappedEvent =
  | { ok: true; shape: JsonShape; system: RawSystem; data: Record<string, string> }
  | { ok: false; message: string };

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON value as Windows' XML would show it; undefined for values that are no scalar. */
export function scalarText(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      if (v === null) return '';
      // evtx_dump renders an array value as a JSON array; the EVTX reader joins array items with `,`.
      if (Array.isArray(v)) return v.every((x) => scalarText(x) !== undefined && !isObject(x)) ? v.map((x) => scalarText(x)).join(',') : undefined;
      return '#text' in v ? scalarText(v['#text']) : undefined;
    default:
      return undefined;
  }
}

/** Sets a Data value unless the name is taken (first wins, as in the XML reader); `__proto__` lands as a plain key. */
function setData(data: Record<string, string>, name: string, value: string): void {
  if (Object.hasOwn(data, name)) return;
  if (name === '__proto__') Object.defineProperty(data, name, { value, enumerable: true, writable: true, configurable: true });
  else data[name] = value;
}

/** Copies defined string fields into a RawSystem. */
function system(fields: { [K in keyof RawSystem]: unknown }): RawSystem {
  const out: RawSystem = {};
  for (const key of Object.keys(fields) as (keyof RawSystem)[]) {
    const text = scalarText(fields[key]);
    if (text !== undefined) out[key] = text;
  }
  return out;
}

/** Options for {@link mapJsonEvent}. */
export interface JsonShapeOptions {
  /** Zone of timestamps written without one (default UTC); timestamps with a zone keep theirs. */
  jsonTimeZone?: JsonTimeZone;
}

/** Maps one parsed JSON value to RawEvent fields. */
export function mapJsonEvent(value: unknown, options: JsonShapeOptions = {}): MappedEvent {
  const zone = options.jsonTimeZone ?? UTC_ZONE;
  if (!isObject(value)) return { ok: false, message: `not a JSON object but ${Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'null' : `a ${typeof value}`}` };
  if (isObject(value['Event']) && isObject(value['Event']['System'])) return fromEvtxDump(value['Event'], zone);
  if (isObject(value['winlog'])) return fromWinlogbeat(value, value['winlog'], zone);
  if (isObject(value['event_data']) || ('event_id' in value && ('source_name' in value || 'log_name' in value))) return fromWinlogbeat6(value, zone);
  if (value['Type'] === 'WindowsEvent' || (typeof value['Provider'] === 'string' && 'EventData' in value && 'TimeGenerated' in value)) return fromAzureWindowsEvent(value, zone);
  if (value['Type'] === 'SecurityEvent' || ('EventSourceName' in value && 'EventData' in value && 'TimeGenerated' in value)) return fromAzureSecurityEvent(value, zone);
  if ('EventID' in value && ('SourceName' in value || 'Hostname' in value || 'Channel' in value || 'ProviderName' in value)) return fromFlat(value, zone);
  const keys = Object.keys(value);
  return {
    ok: false,
    message: `unknown JSON event shape: none of evtx_dump (Event.System), Winlogbeat (winlog / event_data), NXLog/OTRF (EventID with SourceName/Hostname/Channel), Azure (WindowsEvent/SecurityEvent); top-level keys: ${keys.length === 0 ? '(none)' : keys.slice(0, 12).join(', ') + (keys.length > 12 ? `, … (${keys.length})` : '')}`,
  };
}

const BARE_GUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

/** evtx_dump: attributes under `#attributes` or `<Element>_attributes`; GUID values lose their braces there. */
function fromEvtxDump(event: Json, zone: JsonTimeZone): MappedEvent {
  const sys = event['System'] as Json;
  const attribute = (element: string, name: string): unknown => {
    const node = sys[element];
    if (isObject(node) && isObject(node['#attributes']) && name in node['#attributes']) return node['#attributes'][name];
    const separate = sys[`${element}_attributes`];
    return isObject(separate) ? separate[name] : undefined;
  };
  const time = scalarText(attribute('TimeCreated', 'SystemTime'));
  const fields = system({
    Provider: attribute('Provider', 'Name'),
    EventID: sys['EventID'],
    Version: sys['Version'],
    Channel: sys['Channel'],
    Computer: sys['Computer'],
    EventRecordID: sys['EventRecordID'],
    TimeCreated: time === undefined ? undefined : normalizeTimestamp(time, zone)?.iso,
    UserID: attribute('Security', 'UserID'),
  });
  const data: Record<string, string> = {};
  const eventData = event['EventData'];
  if (isObject(eventData)) {
    for (const [name, raw] of Object.entries(eventData)) {
      // `#attributes` belongs to EventData itself; `Data` holds unnamed <Data> elements, which are skipped.
      if (name === '#attributes' || name === 'Data' || name.endsWith('_attributes')) continue;
      const text = scalarText(raw);
      // evtx_dump prints GUID-typed values without the braces Windows shows.
      if (text !== undefined) setData(data, name, BARE_GUID.test(text) ? `{${text}}` : text);
    }
  }
  return { ok: true, shape: 'evtx_dump', system: fields, data };
}

/** Sysmon fields the Winlogbeat sysmon module moves out of `winlog.event_data` into ECS, and where they went. */
const ECS_SYSMON_FIELDS: [string, string[]][] = [
  ['Image', ['process', 'executable']],
  ['CommandLine', ['process', 'command_line']],
  ['ProcessGuid', ['process', 'entity_id']],
  ['ProcessId', ['process', 'pid']],
  ['CurrentDirectory', ['process', 'working_directory']],
  ['OriginalFileName', ['process', 'pe', 'original_file_name']],
  ['ParentImage', ['process', 'parent', 'executable']],
  ['ParentCommandLine', ['process', 'parent', 'command_line']],
  ['ParentProcessGuid', ['process', 'parent', 'entity_id']],
  ['ParentProcessId', ['process', 'parent', 'pid']],
];

function at(value: Json, path: string[]): unknown {
  let node: unknown = value;
  for (const key of path) node = isObject(node) ? node[key] : undefined;
  return node;
}

function copyData(data: Record<string, string>, source: unknown): void {
  if (!isObject(source)) return;
  for (const [name, raw] of Object.entries(source)) {
    const text = scalarText(raw);
    if (text !== undefined) setData(data, name, text);
  }
}

/**
 * Sysmon's `Hashes` from the sysmon module's `process.hash.<algorithm>` (it drops `Hashes` and lower-cases the digests).
 * Sysmon writes the algorithms it is configured with, upper case, always in this order: every Hashes value in the shared
 * corpus with digests (7,501 Sysmon events: SHA1,MD5,SHA256,IMPHASH; MD5,SHA256,IMPHASH; SHA1; MD5,IMPHASH) follows it.
 */
function sysmonHashes(hash: unknown): string | undefined {
  if (!isObject(hash)) return undefined;
  const parts = ['sha1', 'md5', 'sha256', 'imphash'].flatMap((algorithm) => {
    const digest = hash[algorithm];
    return typeof digest === 'string' ? [`${algorithm.toUpperCase()}=${digest.toUpperCase()}`] : [];
  });
  return parts.length === 0 ? undefined : parts.join(',');
}

/** Winlogbeat 7/8 (ECS). Sysmon fields the sysmon module moved to ECS are restored when event_data lacks them. */
function fromWinlogbeat(value: Json, winlog: Json, zone: JsonTimeZone): MappedEvent {
  const time = scalarText(winlog['time_created'] ?? value['@timestamp']);
  const fields = system({
    Provider: winlog['provider_name'],
    EventID: winlog['event_id'],
    Version: winlog['version'],
    Channel: winlog['channel'],
    Computer: winlog['computer_name'],
    EventRecordID: winlog['record_id'],
    TimeCreated: time === undefined ? undefined : normalizeTimestamp(time, zone)?.iso,
    UserID: at(winlog, ['user', 'identifier']),
  });
  const data: Record<string, string> = {};
  copyData(data, winlog['event_data']);
  if (fields.Provider === 'Microsoft-Windows-Sysmon') {
    for (const [name, path] of ECS_SYSMON_FIELDS) {
      const text = scalarText(at(value, path));
      if (text !== undefined && !isObject(at(value, path))) setData(data, name, text);
    }
    const domain = scalarText(at(value, ['user', 'domain']));
    const user = scalarText(at(value, ['user', 'name']));
    if (domain !== undefined && user !== undefined) setData(data, 'User', `${domain}\\${user}`);
    const hashes = sysmonHashes(at(value, ['process', 'hash']));
    if (hashes !== undefined) setData(data, 'Hashes', hashes);
  }
  return { ok: true, shape: 'winlogbeat', system: fields, data };
}

/** Winlogbeat 6.x: the fields sit at the top level. */
function fromWinlogbeat6(value: Json, zone: JsonTimeZone): MappedEvent {
  const time = scalarText(value['@timestamp']);
  const fields = system({
    Provider: value['source_name'],
    EventID: value['event_id'],
    Version: value['version'],
    Channel: value['log_name'],
    Computer: value['computer_name'],
    EventRecordID: value['record_number'],
    TimeCreated: time === undefined ? undefined : normalizeTimestamp(time, zone)?.iso,
    UserID: at(value, ['user', 'identifier']),
  });
  const data: Record<string, string> = {};
  copyData(data, value['event_data']);
  return { ok: true, shape: 'winlogbeat-6', system: fields, data };
}

/** Keys of NXLog im_msvistalog, OTRF and Logstash records that describe the record, not its EventData. */
const FLAT_METADATA = new Set([
  'EventTime', 'EventReceivedTime', 'TimeCreated', 'Hostname', 'Keywords', 'EventType', 'EventTypeOrignal', 'SeverityValue',
  'Severity', 'Level', 'EventID', 'SourceName', 'ProviderName', 'ProviderGuid', 'Version', 'Task', 'OpcodeValue', 'Opcode',
  'RecordNumber', 'EventRecordID', 'ActivityID', 'RelatedActivityID', 'ExecutionProcessID', 'ExecutionThreadID', 'Channel',
  'Domain', 'AccountName', 'UserID', 'AccountType', 'Category', 'Message', 'SourceModuleName', 'SourceModuleType',
  'ERROR_EVT_UNRESOLVED', '@timestamp', '@version', '@metadata', 'host', 'port', 'tags', 'type',
]);

/**
 * The first of the candidate timestamps that carries a zone; else the first zone-less one, read in `zone` (default UTC,
 * what Splunk does with a zone-less timestamp on a UTC indexer; Splunk applies props.conf's TZ or the forwarder's zone,
 * which the `jsonTimeZone` option stands for). NXLog's EventTime is the host's local time without a zone, so a
 * zoned `@timestamp` (Logstash's) wins over it.
 */
function flatTime(value: Json, zone: JsonTimeZone): string | undefined {
  let fallback: string | undefined;
  for (const key of ['TimeCreated', 'EventTime', '@timestamp']) {
    const text = value[key];
    if (typeof text !== 'string') continue;
    const time = normalizeTimestamp(text, zone);
    if (time?.zoned === true) return time.iso;
    fallback ??= time?.iso;
  }
  return fallback;
}

/** NXLog / OTRF flat records: known metadata keys, every other scalar key is an EventData value. */
function fromFlat(value: Json, zone: JsonTimeZone): MappedEvent {
  const provider = value['SourceName'] ?? value['ProviderName'] ?? value['Source'];
  const computer = value['Hostname'] ?? value['Computer'];
  const fields = system({
    Provider: provider,
    EventID: value['EventID'],
    Version: value['Version'],
    Channel: value['Channel'],
    Computer: computer,
    EventRecordID: value['RecordNumber'] ?? value['EventRecordID'],
    TimeCreated: flatTime(value, zone),
    UserID: value['UserID'],
  });
  // NXLog names the logging thread ThreadID, and the logging process ProcessID (older) or ExecutionProcessID (newer,
  // and then ProcessID is an event's own Data: Security 5156 has one). Records without NXLog's own keys keep both.
  const nxlog = 'SourceModuleType' in value || 'EventReceivedTime' in value || 'SeverityValue' in value;
  const executionIds = nxlog ? (('ExecutionProcessID' in value) ? ['ThreadID'] : ['ProcessID', 'ThreadID']) : [];
  const data: Record<string, string> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (FLAT_METADATA.has(name)) continue;
    if ((name === 'Source' && raw === provider) || (name === 'Computer' && raw === computer)) continue;
    if (executionIds.includes(name)) continue;
    if (isObject(raw)) continue;
    const text = scalarText(raw);
    if (text !== undefined) setData(data, name, text);
  }
  return { ok: true, shape: 'flat', system: fields, data };
}

function azureSystem(value: Json, provider: unknown, zone: JsonTimeZone): RawSystem {
  const time = scalarText(value['TimeGenerated']);
  return system({
    Provider: provider,
    EventID: value['EventID'],
    Channel: value['Channel'],
    Computer: value['Computer'],
    EventRecordID: value['EventRecordId'],
    TimeCreated: time === undefined ? undefined : normalizeTimestamp(time, zone)?.iso,
  });
}

/** Azure Log Analytics WindowsEvent table: EventData is a JSON object, often serialised into a string. */
function fromAzureWindowsEvent(value: Json, zone: JsonTimeZone): MappedEvent {
  let eventData = value['EventData'];
  if (typeof eventData === 'string') {
    try {
      eventData = JSON.parse(eventData) as unknown;
    } catch (error) {
      return { ok: false, message: `WindowsEvent row whose EventData string is not JSON (${error instanceof Error ? error.message : String(error)})` };
    }
  }
  const data: Record<string, string> = {};
  copyData(data, eventData);
  return { ok: true, shape: 'azure-windows-event', system: azureSystem(value, value['Provider'], zone), data };
}

const XML_DATA = /<Data\s+Name\s*=\s*(?:"([^"]*)"|'([^']*)')\s*(?:\/>|>([^<]*)<\/Data>)/g;

/** Azure Log Analytics SecurityEvent table: EventData is the `<EventData>` XML as a string. */
function fromAzureSecurityEvent(value: Json, zone: JsonTimeZone): MappedEvent {
  const data: Record<string, string> = {};
  const xml = value['EventData'];
  if (typeof xml === 'string') {
    for (const m of xml.matchAll(XML_DATA)) setData(data, decodeXmlEntities(m[1] ?? m[2] ?? ''), decodeXmlEntities(m[3] ?? ''));
  }
  return { ok: true, shape: 'azure-security-event', system: azureSystem(value, value['EventSourceName'], zone), data };
}
