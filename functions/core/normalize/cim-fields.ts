/**
 * The CIM Endpoint.Processes mapping as data (rule-semantics.md §4): which raw field feeds which CIM field, per event type.
 * process-event.ts applies it; keeping it here makes every mapping decision reviewable in one table.
 */

/** Every CIM Endpoint.Processes field this project produces. */
export const CIM_PROCESS_FIELDS = [
  'action',
  'dest',
  'original_file_name',
  'parent_process',
  'parent_process_exec',
  'parent_process_guid',
  'parent_process_id',
  'parent_process_name',
  'parent_process_path',
  'process',
  'process_current_directory',
  'process_exec',
  'process_guid',
  'process_hash',
  'process_id',
  'process_integrity_level',
  'process_name',
  'process_path',
  'user',
  'user_id',
  'vendor_product',
] as const;

/** One CIM Endpoint.Processes field name. */
export type CimProcessField = (typeof CIM_PROCESS_FIELDS)[number];

/** How a CIM field is derived from the raw event. */
export type FieldSource =
  | { from: 'system'; name: 'Computer' | 'UserID' }
  | { from: 'data'; name: string }
  /** basename of a path, the Splunk TA's `replace(Image, "(.*\\\)(?=.*(\.\w*)$|(\w+)$)", "")`. */
  | { from: 'basename'; name: string }
  /** the user name, with or without its domain per the userFormat option. */
  | { from: 'user'; name: string }
  /** a constant the TA assigns. */
  | { from: 'constant'; value: string };

/** The process-creation event types we normalize. */
export type ProcessEventKind = 'sysmon-1' | 'security-4688';

/**
 * Sysmon EventID 1 (SC data_sources/sysmon_eventid_1.yml, TA-microsoft-sysmon): Image/ParentImage paths, names by basename,
 * OriginalFileName with the placeholder `-` dropped (see process-event.ts), `User` as DOMAIN\name.
 */
const SYSMON_1: Readonly<Partial<Record<CimProcessField, FieldSource>>> = {
  action: { from: 'constant', value: 'allowed' },
  dest: { from: 'system', name: 'Computer' },
  original_file_name: { from: 'data', name: 'OriginalFileName' },
  parent_process: { from: 'data', name: 'ParentCommandLine' },
  parent_process_exec: { from: 'basename', name: 'ParentImage' },
  parent_process_guid: { from: 'data', name: 'ParentProcessGuid' },
  parent_process_id: { from: 'data', name: 'ParentProcessId' },
  parent_process_name: { from: 'basename', name: 'ParentImage' },
  parent_process_path: { from: 'data', name: 'ParentImage' },
  process: { from: 'data', name: 'CommandLine' },
  process_current_directory: { from: 'data', name: 'CurrentDirectory' },
  process_exec: { from: 'basename', name: 'Image' },
  process_guid: { from: 'data', name: 'ProcessGuid' },
  process_hash: { from: 'data', name: 'Hashes' },
  process_id: { from: 'data', name: 'ProcessId' },
  process_integrity_level: { from: 'data', name: 'IntegrityLevel' },
  process_name: { from: 'basename', name: 'Image' },
  process_path: { from: 'data', name: 'Image' },
  user: { from: 'user', name: 'User' },
  user_id: { from: 'system', name: 'UserID' },
  vendor_product: { from: 'constant', value: 'Microsoft Sysmon' },
};

/**
 * Security 4688 (SC data_sources/windows_event_log_security_4688.yml, Splunk_TA_windows): ids stay hex as logged (`0xf84`),
 * the creator's ProcessId is the parent id, `ParentProcessName` exists from event version 2 on, and there is no
 * OriginalFileName, parent command line or GUID — those stay null and render as "null".
 */
const SECURITY_4688: Readonly<Partial<Record<CimProcessField, FieldSource>>> = {
  action: { from: 'constant', value: 'allowed' },
  dest: { from: 'system', name: 'Computer' },
  parent_process_exec: { from: 'basename', name: 'ParentProcessName' },
  parent_process_id: { from: 'data', name: 'ProcessId' },
  parent_process_name: { from: 'basename', name: 'ParentProcessName' },
  parent_process_path: { from: 'data', name: 'ParentProcessName' },
  process: { from: 'data', name: 'CommandLine' },
  process_exec: { from: 'basename', name: 'NewProcessName' },
  process_id: { from: 'data', name: 'NewProcessId' },
  process_name: { from: 'basename', name: 'NewProcessName' },
  process_path: { from: 'data', name: 'NewProcessName' },
  user: { from: 'user', name: 'SubjectUserSid' },
  user_id: { from: 'system', name: 'UserID' },
  vendor_product: { from: 'constant', value: 'Microsoft Windows' },
};

/** The mapping table for each event kind. */
export const CIM_MAPPINGS: Readonly<Record<ProcessEventKind, Readonly<Partial<Record<CimProcessField, FieldSource>>>>> = {
  'sysmon-1': SYSMON_1,
  'security-4688': SECURITY_4688,
};
