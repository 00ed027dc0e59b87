/**
 * Builds test events by editing one real XmlWinEventLog event: set, add or remove `<Data Name=…>` elements and System fields.
 * Values are XML-escaped on the way in, as Windows renders them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A fixture file's text (test/fixtures/…), trailing newline removed. */
export function fixture(relative: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/${relative}`, import.meta.url)), 'utf8').replace(/\r?\n$/, '');
}

/** XML text escaping as the Windows event renderer does it. */
export function xmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
}

/** What to change in an event. `null` removes a Data element. */
export interface EventChanges {
  data?: Record<string, string | null>;
  eventId?: string;
  time?: string;
  recordId?: string;
  computer?: string;
}

/** The event with the changes applied. */
export function variant(base: string, changes: EventChanges): string {
  let xml = base;
  for (const [name, value] of Object.entries(changes.data ?? {})) {
    const element = new RegExp(`<Data Name='${name}'>[^<]*</Data>`);
    if (value === null) xml = xml.replace(element, '');
    else if (element.test(xml)) xml = xml.replace(element, () => `<Data Name='${name}'>${xmlEscape(value)}</Data>`);
    else xml = xml.replace('</EventData>', () => `<Data Name='${name}'>${xmlEscape(value)}</Data></EventData>`);
  }
  if (changes.eventId !== undefined) xml = xml.replace(/<EventID>\d+<\/EventID>/, `<EventID>${changes.eventId}</EventID>`);
  if (changes.time !== undefined) xml = xml.replace(/SystemTime='[^']*'/, `SystemTime='${changes.time}'`);
  if (changes.recordId !== undefined) xml = xml.replace(/<EventRecordID>\d+</, `<EventRecordID>${changes.recordId}<`);
  if (changes.computer !== undefined) xml = xml.replace(/<Computer>[^<]*</, `<Computer>${changes.computer}<`);
  return xml;
}

/** Atomic Red Team T1505.004 test #1, with %windir% expanded (rule-semantics.md §1.3). */
export const ART_T1505_004 =
  'C:\\Windows\\system32\\inetsrv\\appcmd.exe install module /name:DefaultDocumentModule_Atomic /image:C:\\Windows\\system32\\inetsrv\\defdoc.dll';

/** The real Sysmon EID 1 event turned into the ART true positive: appcmd.exe from cmd.exe installing a module. */
export function truePositive(changes: EventChanges = {}): string {
  const base = variant(fixture('scan/sysmon-eid1-calc.xml'), {
    data: {
      Image: 'C:\\Windows\\System32\\inetsrv\\appcmd.exe',
      OriginalFileName: 'appcmd.exe',
      CommandLine: ART_T1505_004,
      ParentImage: 'C:\\Windows\\System32\\cmd.exe',
      ParentCommandLine: '"C:\\Windows\\system32\\cmd.exe"',
    },
  });
  return variant(base, changes);
}
