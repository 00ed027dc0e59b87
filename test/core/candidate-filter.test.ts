/** The raw-bytes triage: which events are parsed, and which skipped ones are still counted as process events. */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { CandidateFilter, rawEventId } from '../../functions/core/candidate-filter.ts';
import { compileSearch } from '../../functions/core/search/compile-search.ts';
import { WINDOWS_IIS_COMPONENTS_ADD_NEW_MODULE } from '../../functions/core/rules/windows-iis-components-add-new-module.ts';
import { fixture, truePositive, variant } from './event-variants.ts';
import { LoadedWindow } from '../../functions/core/kernel/loaded-window.ts';

const filter = CandidateFilter.build([compileSearch(WINDOWS_IIS_COMPONENTS_ADD_NEW_MODULE.search).requiredLiterals]);

/** Triage of each event when they share one window, as the readers hand them over. */
function triage(events: string[]): string[] {
  if (filter === undefined) throw new Error('the published search has literals');
  const window = Buffer.from(events.join('\n'));
  const out: string[] = [];
  let start = 0;
  for (const event of events) {
    const end = start + Buffer.byteLength(event);
    out.push(filter.classify({ window, start, end, offset: start }));
    start = end + 1;
  }
  return out;
}

const calc = fixture('scan/sysmon-eid1-calc.xml');
const security = fixture('scan/security-4688-chrome.xml');
const eid5 = fixture('scan/sysmon-eid5.xml');

describe('CandidateFilter', () => {
  it.each([
    ['the ART true positive', truePositive(), 'candidate'],
    ['upper-case APPCMD.EXE', truePositive({ data: { Image: 'C:\\X\\APPCMD.EXE', CommandLine: 'APPCMD.EXE INSTALL MODULE /IMAGE:X' } }), 'candidate'],
    ['a real Sysmon EID 1 without appcmd', calc, 'process'],
    ['a real 4688 without appcmd', security, 'process'],
    ['a real Sysmon EID 5', eid5, 'other'],
    // `image` is in every Sysmon EID 1 (`<Data Name='Image'>`), so only appcmd plus install/module decides there.
    ['appcmd listing (no "install "/"module ")', truePositive({ data: { CommandLine: 'appcmd.exe list vdir' } }), 'process'],
    ['appcmd without image in the command line (still parsed: the element name holds "Image")', truePositive({ data: { CommandLine: 'appcmd.exe install module /name:X' } }), 'candidate'],
    ['a character reference (could hide a literal)', variant(calc, { data: { CommandLine: 'x' } }).replace('>x<', '>&#97;<'), 'candidate'],
    // XML has no backslash escapes: `\u0041` in XML is six characters, and cannot hide a literal there.
    ['a JSON-style \\u escape in XML (text, not an escape)', calc.replace('calc.exe', 'calc\\u0041.exe'), 'process'],
    ['a Windows path with \\u but no hex', calc.replace('calc.exe', 'c:\\users\\x.exe'), 'process'],
    ['the KELVIN SIGN', truePositive().replace('<Data Name=\'RuleName\'>-', "<Data Name='RuleName'>\u212a"), 'candidate'],
  ])('%s → %s', (_what, event, expected) => {
    expect(triage([calc, event, eid5])).toEqual(['process', expected, 'other']);
  });

  it('gives the readers triage rules for Sysmon EID 1 and one fold-safe conjunct per search, or none when a search has none', () => {
    expect(filter?.xmlTriageRules()).toEqual({ providers: [{ eventId: 1, literal: 'microsoft-windows-sysmon' }], anyOf: ['appcmd.exe'] });
    // Every literal holds an i or a k (a folding character could spell it): only the full check may rule such an event out.
    expect(CandidateFilter.build([[['install '], ['image']]])?.xmlTriageRules()).toBeUndefined();
    expect(CandidateFilter.build([[['appcmd.exe']], [['cmd.exe', 'pwsh']]])?.xmlTriageRules()?.anyOf).toEqual(['appcmd.exe', 'cmd.exe', 'pwsh']);
  });

  it('looks only inside each event: a literal in the next event does not make this one a candidate', () => {
    expect(triage([calc, truePositive(), calc])).toEqual(['process', 'candidate', 'process']);
  });

  it('rescans when a window object is refilled (an earlier start than the last one)', () => {
    if (filter === undefined) throw new Error('unreachable');
    const window = Buffer.from(`${calc}\n${calc}`);
    const second = Buffer.byteLength(calc) + 1;
    expect(filter.classify({ window, start: second, end: window.length, offset: second })).toBe('process');
    Buffer.from(`${truePositive()}`).copy(window, 0);
    expect(filter.classify({ window, start: 0, end: Buffer.byteLength(truePositive()), offset: 0 })).toBe('candidate');
  });
});

describe('CandidateFilter on JSON records', () => {
  const record = (id: number | string, image: string, extra = ''): string =>
    `{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":${JSON.stringify(id)}${extra}},"EventData":{"Image":${JSON.stringify(image)},"CommandLine":"x"}}}`;
  it.each([
    ['a Sysmon EID 1 without appcmd', record(1, 'C:\\calc.exe'), 'process'],
    ['an EID 1 with appcmd and install module', record(1, 'C:\\appcmd.exe').replace('"x"', '"appcmd install module /image:x"'), 'candidate'],
    ['a \\u escape (four hex digits) that could hide a literal', record(1, 'C:\\calc.exe').replace('calc', '\\u0061ppcmd'), 'candidate'],
    ['a Windows path with \\u and no hex digits', record(1, 'C:\\users\\x.exe'), 'process'],
    ['EventID as a string', record('1', 'C:\\calc.exe'), 'process'],
    ['an EID 3', record(3, 'C:\\calc.exe'), 'other'],
    ['Winlogbeat event_id', '{"winlog":{"event_id":"4688","provider_name":"Microsoft-Windows-Security-Auditing","channel":"Security"}}', 'process'],
  ])('%s → %s', (_what, line, expected) => {
    if (filter === undefined) throw new Error('the published search has literals');
    const window = Buffer.from(line);
    expect(filter.classify({ window, start: 0, end: window.length, offset: 0, search: new LoadedWindow().bind(window, 0) })).toBe(expected);
    // A caller without a search: the filter copies the window into a kernel of its own.
    expect(filter.classify({ window, start: 0, end: window.length, offset: 0 })).toBe(expected);
  });
});

describe('rawEventId', () => {
  it.each([
    ['<Event><System><EventID>1</EventID>', 1],
    ["<EventID Qualifiers='16384'>7036</EventID>", 7036],
    ['<EventID>\n  4688\n</EventID>', 4688],
    ['{"Event":{"System":{"EventID":1,"Computer":"x"}}}', 1],
    ['{"winlog":{"event_id":"4688"}}', 4688],
    ['{"EventID" : 10}', 10],
    ['{"Message":"no id"}', -1],
    ['<EventID></EventID>', -1],
  ])('%s → %d', (text, expected) => {
    expect(rawEventId(Buffer.from(text))).toBe(expected);
  });
});
