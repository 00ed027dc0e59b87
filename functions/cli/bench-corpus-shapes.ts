/**
 * The benchmark corpus's events as data: one shape per (provider, EventID, version) with its EventData field names and
 * the value types Windows writes for them in EVTX (read from the template definitions of real Sysmon and Security logs:
 * test/fixtures/evtx, the workspace's sample EVTX files), and one CorpusEvent per record. Every writer (XML, JSON lines, EVTX)
 * renders the same CorpusEvent, so the three formats carry the same events.
 */

/** EventData value types, as Windows stores them in EVTX substitutions. */
export type ValueType = 'string' | 'uint16' | 'uint32' | 'hex32' | 'hex64' | 'guid' | 'sid' | 'bool';

/** A field value: strings for string/guid/sid, numbers for integers (below 2^53), booleans for bool. */
export type FieldValue = string | number | boolean;

/** An event provider: what the System block says about it. */
export interface Provider {
  name: string;
  /** `{…}` upper-case, as our EVTX reader and libevtx render GUIDs. */
  guid: string;
  channel: string;
  /** Keywords as Windows renders the HexInt64 (the value exceeds 2^53, so it is kept as text). */
  keywords: string;
}

/** One event shape: a template in EVTX terms. */
export interface EventShape {
  /** Unique per shape, e.g. `sysmon-1`; also seeds the EVTX template GUID. */
  key: string;
  provider: Provider;
  eventId: number;
  version: number;
  level: number;
  task: number;
  opcode: number;
  names: readonly string[];
  types: readonly ValueType[];
}

/** Why an event is in the corpus: background noise, a planted true positive, or a decoy that must not match. */
export type EventRole = 'background' | 'true-positive' | DecoyKind;

/** The decoys: each looks like the rule's target in one way and fails it in another. */
export type DecoyKind =
  /** appcmd.exe with another verb (list, set config, recycle, add backup). */
  | 'appcmd-other-verb'
  /** appcmd.exe install module without `/image:` (no `image` anywhere in the command line). */
  | 'appcmd-install-without-image'
  /** cmd.exe or powershell.exe whose command line holds `appcmd install module /image:`. */
  | 'appcmd-in-wrapper-command'
  /** appcmd.exe only as the ParentImage. */
  | 'appcmd-as-parent'
  /** appcmd text in a Sysmon EID 11 TargetFilename. */
  | 'appcmd-in-file-name'
  /** the true positive's command line, spawned by msiexec.exe or iissetup.exe (the rule's NOT clause). */
  | 'excluded-parent';

/** Every decoy kind, in the order the truth lists them. */
export const DECOY_KINDS: readonly DecoyKind[] = [
  'appcmd-other-verb',
  'appcmd-install-without-image',
  'appcmd-in-wrapper-command',
  'appcmd-as-parent',
  'appcmd-in-file-name',
  'excluded-parent',
];

/** One record. `recordId` is the host's EventRecordID (an EVTX file numbers its records separately). */
export interface CorpusEvent {
  shape: EventShape;
  recordId: number;
  /** TimeCreated: epoch milliseconds plus 100 ns ticks within the millisecond (0–9999), FILETIME's resolution. */
  timeMs: number;
  ticks: number;
  /** Execution/@ProcessID and @ThreadID. */
  processId: number;
  threadId: number;
  computer: string;
  /** Security/@UserID, or null when the event carries none (Security 4688 writes `<Security/>`). */
  userId: string | null;
  /** EventData values in `shape.names` order. */
  values: FieldValue[];
  role: EventRole;
}

/** Sysmon's provider (Microsoft-Windows-Sysmon/Operational). */
export const SYSMON: Provider = {
  name: 'Microsoft-Windows-Sysmon',
  guid: '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}',
  channel: 'Microsoft-Windows-Sysmon/Operational',
  keywords: '0x8000000000000000',
};

/** The Security auditing provider (Security channel). */
export const SECURITY: Provider = {
  name: 'Microsoft-Windows-Security-Auditing',
  guid: '{54849625-5478-4994-A5BA-3E3B0328C30D}',
  channel: 'Security',
  keywords: '0x8020000000000000',
};

function shape(
  key: string,
  provider: Provider,
  system: { eventId: number; version: number; level: number; task: number },
  fields: ReadonlyArray<readonly [string, ValueType]>,
): EventShape {
  return Object.freeze({
    key,
    provider,
    ...system,
    opcode: 0,
    names: Object.freeze(fields.map(([name]) => name)),
    types: Object.freeze(fields.map(([, type]) => type)),
  });
}

const S = 'string';

/** Sysmon EID 1 (ProcessCreate), schema version 5: all 23 fields, ParentUser included. */
export const SYSMON_1 = shape('sysmon-1', SYSMON, { eventId: 1, version: 5, level: 4, task: 1 }, [
  ['RuleName', S], ['UtcTime', S], ['ProcessGuid', 'guid'], ['ProcessId', 'uint32'], ['Image', S], ['FileVersion', S],
  ['Description', S], ['Product', S], ['Company', S], ['OriginalFileName', S], ['CommandLine', S], ['CurrentDirectory', S],
  ['User', S], ['LogonGuid', 'guid'], ['LogonId', 'hex64'], ['TerminalSessionId', 'uint32'], ['IntegrityLevel', S],
  ['Hashes', S], ['ParentProcessGuid', 'guid'], ['ParentProcessId', 'uint32'], ['ParentImage', S], ['ParentCommandLine', S],
  ['ParentUser', S],
]);

/** Sysmon EID 3 (NetworkConnect), version 5. */
export const SYSMON_3 = shape('sysmon-3', SYSMON, { eventId: 3, version: 5, level: 4, task: 3 }, [
  ['RuleName', S], ['UtcTime', S], ['ProcessGuid', 'guid'], ['ProcessId', 'uint32'], ['Image', S], ['User', S],
  ['Protocol', S], ['Initiated', 'bool'], ['SourceIsIpv6', 'bool'], ['SourceIp', S], ['SourceHostname', S],
  ['SourcePort', 'uint16'], ['SourcePortName', S], ['DestinationIsIpv6', 'bool'], ['DestinationIp', S],
  ['DestinationHostname', S], ['DestinationPort', 'uint16'], ['DestinationPortName', S],
]);

/** Sysmon EID 7 (ImageLoad), version 3. */
export const SYSMON_7 = shape('sysmon-7', SYSMON, { eventId: 7, version: 3, level: 4, task: 7 }, [
  ['RuleName', S], ['UtcTime', S], ['ProcessGuid', 'guid'], ['ProcessId', 'uint32'], ['Image', S], ['ImageLoaded', S],
  ['FileVersion', S], ['Description', S], ['Product', S], ['Company', S], ['OriginalFileName', S], ['Hashes', S],
  ['Signed', S], ['Signature', S], ['SignatureStatus', S], ['User', S],
]);

/** Sysmon EID 10 (ProcessAccess), version 3. */
export const SYSMON_10 = shape('sysmon-10', SYSMON, { eventId: 10, version: 3, level: 4, task: 10 }, [
  ['RuleName', S], ['UtcTime', S], ['SourceProcessGUID', 'guid'], ['SourceProcessId', 'uint32'], ['SourceThreadId', 'uint32'],
  ['SourceImage', S], ['TargetProcessGUID', 'guid'], ['TargetProcessId', 'uint32'], ['TargetImage', S],
  ['GrantedAccess', 'hex32'], ['CallTrace', S], ['SourceUser', S], ['TargetUser', S],
]);

/** Sysmon EID 11 (FileCreate), version 2. */
export const SYSMON_11 = shape('sysmon-11', SYSMON, { eventId: 11, version: 2, level: 4, task: 11 }, [
  ['RuleName', S], ['UtcTime', S], ['ProcessGuid', 'guid'], ['ProcessId', 'uint32'], ['Image', S], ['TargetFilename', S],
  ['CreationUtcTime', S], ['User', S],
]);

/** Sysmon EID 13 (RegistryEvent, value set), version 2. */
export const SYSMON_13 = shape('sysmon-13', SYSMON, { eventId: 13, version: 2, level: 4, task: 13 }, [
  ['RuleName', S], ['EventType', S], ['UtcTime', S], ['ProcessGuid', 'guid'], ['ProcessId', 'uint32'], ['Image', S],
  ['TargetObject', S], ['Details', S], ['User', S],
]);

/** Sysmon EID 22 (DnsQuery), version 5. */
export const SYSMON_22 = shape('sysmon-22', SYSMON, { eventId: 22, version: 5, level: 4, task: 22 }, [
  ['RuleName', S], ['UtcTime', S], ['ProcessGuid', 'guid'], ['ProcessId', 'uint32'], ['QueryName', S], ['QueryStatus', S],
  ['QueryResults', S], ['Image', S], ['User', S],
]);

/** Security 4688 (process creation), version 2: process ids are pointers, which Windows writes as HexInt64. */
export const SECURITY_4688 = shape('security-4688', SECURITY, { eventId: 4688, version: 2, level: 0, task: 13312 }, [
  ['SubjectUserSid', 'sid'], ['SubjectUserName', S], ['SubjectDomainName', S], ['SubjectLogonId', 'hex64'],
  ['NewProcessId', 'hex64'], ['NewProcessName', S], ['TokenElevationType', S], ['ProcessId', 'hex64'], ['CommandLine', S],
  ['TargetUserSid', 'sid'], ['TargetUserName', S], ['TargetDomainName', S], ['TargetLogonId', 'hex64'],
  ['ParentProcessName', S], ['MandatoryLabel', 'sid'],
]);

/** Every shape the corpus writes. */
export const SHAPES: readonly EventShape[] = [SYSMON_1, SYSMON_3, SYSMON_7, SYSMON_10, SYSMON_11, SYSMON_13, SYSMON_22, SECURITY_4688];

/** `0x…` as Windows renders a HexInt32/HexInt64: lower-case, no padding. */
export function hexText(value: number): string {
  return `0x${value.toString(16)}`;
}
