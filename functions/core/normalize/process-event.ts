/**
 * RawEvent → ProcessEvent: Sysmon EventID 1 and Security EventID 4688 mapped to CIM Endpoint.Processes (rule-semantics.md §4).
 * Every other event is not a process event (returns undefined): only these two reach the Endpoint.Processes data model with a
 * command line, and a positive predicate on `process` can never match without one (§3.5).
 */
import type { Location, RawEvent } from '../read/raw-event.ts';
import { CIM_MAPPINGS, type CimProcessField, type FieldSource, type ProcessEventKind } from './cim-fields.ts';
import { eventTimeMs } from './event-time.ts';

/** How `user` is rendered: `strip-domain` (`ATTACKRANGE\Administrator` → `Administrator`, default) or `as-logged`. */
export type UserFormat = 'strip-domain' | 'as-logged';

/** Options of the normalization stage. */
export interface NormalizeOptions {
  userFormat: UserFormat;
}

/** A process-creation event in CIM Endpoint.Processes terms. A field that is absent is null in Splunk. */
export interface ProcessEvent {
  kind: ProcessEventKind;
  fields: Partial<Record<CimProcessField, string>>;
  /** `_time`: TimeCreated/@SystemTime as epoch milliseconds (fractional part kept). */
  timeMs: number;
  /** TimeCreated/@SystemTime exactly as logged, for evidence. */
  time: string;
  eventRecordId?: string;
  location: Location;
}

/**
 * The EventIDs processEventKind can accept, as numbers: what the raw-bytes prefilter may rule out by EventID alone
 * (candidate-filter.ts). A test keeps the two in step.
 */
export const PROCESS_EVENT_IDS: ReadonlySet<number> = new Set([1, 4688]);

const SYSMON_PROVIDER = 'microsoft-windows-sysmon';
const SYSMON_CHANNEL = 'microsoft-windows-sysmon/operational';
const SECURITY_PROVIDER = 'microsoft-windows-security-auditing';

/** Which process-creation kind a raw event is, if any. Provider or channel decides: JSON producers often omit one of them. */
export function processEventKind(event: RawEvent): ProcessEventKind | undefined {
  const id = event.system.EventID?.trim();
  if (id !== '1' && id !== '4688') return undefined;
  const provider = event.system.Provider?.toLowerCase();
  const channel = event.system.Channel?.toLowerCase();
  if (id === '1' && (provider === SYSMON_PROVIDER || channel === SYSMON_CHANNEL)) return 'sysmon-1';
  if (id === '4688' && (provider === SECURITY_PROVIDER || channel === 'security')) return 'security-4688';
  return undefined;
}

/**
 * The Splunk TA's process_name: `replace(Image, "(.*\\\)(?=.*(\.\w*)$|(\w+)$)", "")`. Only the last backslash can satisfy the
 * lookahead (an earlier one leaves a backslash in the remainder, which neither alternative accepts), so this is linear.
 */
export function taBasename(path: string): string {
  const cut = path.lastIndexOf('\\');
  if (cut < 0) return path;
  const rest = path.slice(cut + 1);
  return /^(?:\w+|[^\n]*\.\w*)$/.test(rest) ? rest : path;
}

/** `DOMAIN\name` → `name` (the modern TA's `User.split("\\")[-1]`); values without a backslash unchanged. */
export function stripDomain(user: string): string {
  const cut = user.lastIndexOf('\\');
  return cut < 0 ? user : user.slice(cut + 1);
}

/**
 * Absent and empty values are null: Splunk's field extraction creates no field for an empty value, so `process=…` cannot match an
 * empty command line and the output shows "null". OriginalFileName's `-` placeholder is dropped by the modern Sysmon TA.
 */
function present(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function resolve(source: FieldSource, event: RawEvent, options: NormalizeOptions): string | undefined {
  switch (source.from) {
    case 'constant':
      return source.value;
    case 'system':
      return present(event.system[source.name]);
    case 'data':
      return present(event.data[source.name]);
    case 'basename': {
      const path = present(event.data[source.name]);
      return path === undefined ? undefined : present(taBasename(path));
    }
    case 'user': {
      const user = present(event.data[source.name]);
      if (user === undefined) return undefined;
      switch (options.userFormat) {
        case 'as-logged':
          return user;
        case 'strip-domain':
          return present(stripDomain(user));
      }
    }
  }
}

/** Maps a raw event to a ProcessEvent, or undefined when it is not a process-creation event. */
export function toProcessEvent(event: RawEvent, options: NormalizeOptions): ProcessEvent | undefined {
  const kind = processEventKind(event);
  if (kind === undefined) return undefined;
  const fields: Partial<Record<CimProcessField, string>> = {};
  const mapping = CIM_MAPPINGS[kind];
  for (const name of Object.keys(mapping) as CimProcessField[]) {
    const source = mapping[name];
    if (source === undefined) continue;
    const value = resolve(source, event, options);
    if (value !== undefined) fields[name] = value;
  }
  if (fields.original_file_name === '-') delete fields.original_file_name;
  const time = event.system.TimeCreated ?? '';
  const result: ProcessEvent = { kind, fields, timeMs: eventTimeMs(time), time, location: event.location };
  if (event.system.EventRecordID !== undefined) result.eventRecordId = event.system.EventRecordID;
  return result;
}
