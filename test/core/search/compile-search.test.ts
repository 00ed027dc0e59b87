import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WINDOWS_IIS_COMPONENTS_ADD_NEW_MODULE } from '../../../functions/core/rules/windows-iis-components-add-new-module.ts';
import { compileSearch, ESCU_STANDARD_PROCESS_BY_FIELDS } from '../../../functions/core/search/compile-search.ts';
import { SearchOptionError, SearchSyntaxError } from '../../../functions/core/search/search-errors.ts';

/** The search exactly as published (test/fixtures/search/SOURCES.md). */
const SEED = readFileSync(new URL('../../fixtures/search/windows_iis_components_add_new_module.spl', import.meta.url), 'utf8');
const HEAD = '| tstats count min(_time) as firstTime max(_time) as lastTime from datamodel=Endpoint.Processes';

/** 1-based line/column of the first occurrence of `needle` (ASCII text: code units = code points). */
function locate(text: string, needle: string, from = 0): { line: number; column: number } {
  const offset = text.indexOf(needle, from);
  if (offset === -1) throw new Error(`fixture edit failed: ${needle} not found`);
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture edit failed: ${from} not found`);
  return text.replace(from, to);
}

function compileError(spl: string): SearchSyntaxError {
  try {
    compileSearch(spl);
  } catch (error) {
    if (error instanceof SearchSyntaxError) return error;
    throw error;
  }
  throw new Error('expected a SearchSyntaxError');
}

describe('the seed search, compiled exactly as published', () => {
  const search = compileSearch(SEED);

  it('is the string the rule module carries', () => {
    expect(WINDOWS_IIS_COMPONENTS_ADD_NEW_MODULE.search).toBe(SEED);
  });

  it('describes the tstats call', () => {
    expect(search.spl).toBe(SEED);
    expect(search.datamodel).toBe('Endpoint.Processes');
    expect(search.tstatsOptions).toEqual({ summariesonly: 'false', allow_old_summaries: 'true', fillnull_value: 'null' });
    expect(search.fillnull).toBe('null');
    expect(search.byFields).toEqual([
      'dest',
      'user',
      'parent_process_name',
      'process_name',
      'original_file_name',
      'process',
      'process_id',
      'parent_process_id',
    ]);
    expect(search.bySourceFields).toEqual(search.byFields);
    expect(search.aggregates).toEqual({ count: 'count', firstTime: 'firstTime', lastTime: 'lastTime', order: ['count', 'firstTime', 'lastTime'] });
    expect(search.ctimeFields).toEqual(['firstTime', 'lastTime']);
    expect(search.filterMacroName).toBe('windows_iis_components_add_new_module_filter');
    expect([...search.fieldsReferenced].sort()).toEqual(['parent_process_name', 'process', 'process_name']);
  });

  it('derives the prefilter literals of its positive conjuncts (not of the NOT)', () => {
    expect(search.requiredLiterals).toEqual([['appcmd.exe'], ['install ', 'module '], ['image']]);
    expect(search.literalConjuncts.map((c) => c.field)).toEqual(['process_name', 'process', 'process']);
  });

  // rule-semantics.md §8, predicate part. Fields are the CIM values the Splunk TA would extract (§4.1): process_name and
  // parent_process_name are basenames of Image/ParentImage, process is CommandLine. Defaults: Image …\inetsrv\appcmd.exe,
  // ParentImage …\cmd.exe, all fields present.
  const ATOMIC =
    'C:\\Windows\\system32\\inetsrv\\appcmd.exe install module /name:DefaultDocumentModule_Atomic /image:C:\\Windows\\system32\\inetsrv\\defdoc.dll';
  const base: Record<string, string> = {
    dest: 'win-dc-6764986.attackrange.local',
    user: 'Administrator',
    process_name: 'appcmd.exe',
    process_path: 'C:\\Windows\\System32\\inetsrv\\appcmd.exe',
    process: ATOMIC,
    parent_process_name: 'cmd.exe',
    parent_process_path: 'C:\\Windows\\System32\\cmd.exe',
    original_file_name: 'appcmd.exe',
    process_id: '4242',
    parent_process_id: '1717',
  };
  const without = (field: string): Record<string, string> => Object.fromEntries(Object.entries(base).filter(([k]) => k !== field));
  const cases: Array<[string, Record<string, string>, boolean]> = [
    ['#1 Atomic T1505.004 command line', base, true],
    ['#2 upper-case image and command line', { ...base, process_name: 'APPCMD.EXE', process: 'APPCMD.EXE INSTALL MODULE /NAME:X /IMAGE:C:\\X.DLL' }, true],
    ['#3 parent msiexec.exe', { ...base, parent_process_name: 'msiexec.exe' }, false],
    ['#4 parent IISSETUP.EXE (case-insensitive exclusion)', { ...base, parent_process_name: 'IISSETUP.EXE' }, false],
    ['#5 parent D:\\tools\\msiexec.exe (basename)', { ...base, parent_process_name: 'msiexec.exe', parent_process_path: 'D:\\tools\\msiexec.exe' }, false],
    ['#6 parent msiexec.exe.bak', { ...base, parent_process_name: 'msiexec.exe.bak' }, true],
    ['#6 parent notmsiexec.exe', { ...base, parent_process_name: 'notmsiexec.exe' }, true],
    ['#7 no parent name', without('parent_process_name'), true],
    ['#8 parent "-"', { ...base, parent_process_name: '-' }, true],
    ['#9 no image argument', { ...base, process: 'appcmd.exe install module /name:X' }, false],
    ['#10 add module without image', { ...base, process: 'appcmd.exe add module /name:X /type:My.Module' }, false],
    ['#11 tab after install, space after module', { ...base, process: 'appcmd.exe install\tmodule /name:X /image:Y' }, true],
    ['#12 tabs only', { ...base, process: 'appcmd.exe\tinstall\tmodule\t/name:X\t/image:Y' }, false],
    ['#13 no space before install', { ...base, process: '"C:\\Windows\\System32\\inetsrv\\appcmd.exe"install module /name:X /image:Y' }, true],
    ['#14 install last', { ...base, process: 'appcmd.exe /name:X /image:C:\\m.dll install' }, false],
    ['#15 list module imagefilter (FP)', { ...base, process: 'appcmd.exe list module /name:imagefilter' }, true],
    ['#16 uninstall module imagemod (FP)', { ...base, process: 'appcmd.exe uninstall module imagemod' }, true],
    ['#17 set config globalModules', { ...base, process: "appcmd.exe set config /section:globalModules /+[name='X',image='C:\\x.dll']" }, false],
    ['#18 image inside Images', { ...base, process: 'appcmd install module /name:X /path:C:\\Images\\x.dll' }, true],
    ['#19 en dash switches', { ...base, process: 'appcmd.exe install module \u2013name:X \u2013image:Y' }, true],
    ['#20 renamed binary, OriginalFileName appcmd.exe', { ...base, process_name: 'svc.exe', process_path: 'C:\\Temp\\svc.exe' }, false],
    ['#21 SysWOW64 appcmd', { ...base, process_path: 'C:\\Windows\\SysWOW64\\inetsrv\\appcmd.exe' }, true],
    ['#22 myappcmd.exe', { ...base, process_name: 'myappcmd.exe' }, false],
    ['#22 appcmd.exe.old', { ...base, process_name: 'appcmd.exe.old' }, false],
    ['#23 no command line (EID 5/10)', without('process'), false],
    ['#24 OriginalFileName missing', without('original_file_name'), true],
    ['#24 OriginalFileName "-"', { ...base, original_file_name: '-' }, true],
    ['#24 user missing', without('user'), true],
    ['#27 4688: no OriginalFileName, hex ids', { ...without('original_file_name'), process_id: '0xf84', parent_process_id: '0x1a0', user: 'NT AUTHORITY\\SYSTEM' }, true],
  ];
  it.each(cases)('%s → %s', (_name, fields, expected) => {
    expect(search.predicate((f) => (Object.hasOwn(fields, f) ? fields[f] : undefined))).toBe(expected);
  });
});

describe('compileSearch: the subset', () => {
  it('precedence inside the where clause: a b OR c ≡ a AND (b OR c)', () => {
    const s = compileSearch(`${HEAD} where Processes.a=1 Processes.b=1 OR Processes.c=1 by Processes.dest`);
    const at = (a: string, b: string, c: string) => s.predicate((f) => ({ a, b, c })[f]);
    expect(at('0', '1', '1')).toBe(false);
    expect(at('1', '0', '1')).toBe(true);
    expect(at('1', '0', '0')).toBe(false);
  });

  it('without drop_dm_object_name the output names keep the prefix; no where = match all; no fillnull = undefined', () => {
    const s = compileSearch(`${HEAD} by Processes.dest, Processes.user`);
    expect(s.byFields).toEqual(['Processes.dest', 'Processes.user']);
    expect(s.bySourceFields).toEqual(['dest', 'user']);
    expect(s.predicate(() => undefined)).toBe(true);
    expect(s.fillnull).toBeUndefined();
    expect(s.filterMacroName).toBeUndefined();
    expect(s.requiredLiterals).toEqual([]);
  });

  it('accepts the expanded tstats options literally, case-insensitive WHERE/BY/AS, and renamed aggregates', () => {
    const s = compileSearch(
      '| tstats summariesonly=false allow_old_summaries=true fillnull_value="N/A" count AS n max(_time) AS last min(_time) AS first FROM datamodel=Endpoint.Processes WHERE Processes.process_name=x BY Processes.dest | `drop_dm_object_name(Processes)` | `security_content_ctime(first)`',
    );
    expect(s.fillnull).toBe('N/A');
    expect(s.aggregates).toEqual({ count: 'n', firstTime: 'first', lastTime: 'last', order: ['count', 'lastTime', 'firstTime'] });
    expect(s.ctimeFields).toEqual(['first']);
    expect(s.byFields).toEqual(['dest']);
  });

  it('byFieldsOverride switches to the ESCU 20-field list (prefix optional), keeping the where clause', () => {
    const s = compileSearch(SEED, { byFieldsOverride: ESCU_STANDARD_PROCESS_BY_FIELDS });
    expect(s.byFields).toEqual([...ESCU_STANDARD_PROCESS_BY_FIELDS]);
    expect(s.byFields).toHaveLength(20);
    expect(s.requiredLiterals).toEqual(compileSearch(SEED).requiredLiterals);
    const prefixed = compileSearch(SEED, { byFieldsOverride: ['Processes.dest', 'user'] });
    expect(prefixed.byFields).toEqual(['dest', 'user']);
  });

  it.each([[[]], [['dest', 'dest']], [['Filesystem.file_name']], [['a b']]])('rejects byFieldsOverride %j', (list) => {
    expect(() => compileSearch(SEED, { byFieldsOverride: list })).toThrow(SearchOptionError);
  });
});

describe('compile errors name the token, its line and column', () => {
  const seedCases: Array<[string, string, string, string, string?, number?]> = [
    // [what, from, to, offending token, problem, characters of the edit to skip before looking for the token]
    ['LIKE', 'Processes.process_name=appcmd.exe', 'Processes.process_name LIKE appcmd.exe', 'LIKE'],
    ['bare search term', 'Processes.process_name=appcmd.exe', 'appcmd.exe', 'appcmd.exe'],
    ['where function', 'Processes.process="*image*"', 'like(Processes.process, "%image%")', 'like'],
    ['relational <', 'Processes.process_name=appcmd.exe', 'Processes.process_id<5', '<'],
    ['lowercase and', ' AND Processes.process=', ' and Processes.process=', 'and'],
    ['lowercase in', 'parent_process_name  IN (', 'parent_process_name  in (', 'in'],
    ['unknown stage macro', '`security_content_ctime(lastTime)`', '`security_content_ctime2(lastTime)`', '`security_content_ctime2(lastTime)`', 'unknown macro'],
    ['drop_dm_object_name of another object', '`drop_dm_object_name(Processes)`', '`drop_dm_object_name(Filesystem)`', '`drop_dm_object_name(Filesystem)`', 'unknown macro'],
    ['unknown macro among tstats options', '`security_content_summariesonly`', '`summariesonly_config`', '`summariesonly_config`', 'unknown macro'],
    ['eval stage', '`security_content_ctime(lastTime)`', 'eval x=1', 'eval'],
    ['unterminated quote', '"*image*"', '"*image*', '"*image* by Processes.de', 'unterminated quoted string'],
    ['unclosed parenthesis', '"iissetup.exe"))', '"iissetup.exe")', '(', 'unclosed parenthesis'],
    ['extra parenthesis', 'process_name=appcmd.exe', 'process_name=appcmd.exe)', ')'],
    ['other datamodel', 'datamodel=Endpoint.Processes', 'datamodel=Endpoint.Filesystem', 'Endpoint.Filesystem', 'unsupported datamodel'],
    ['field of another object', 'Processes.process_name=appcmd.exe', 'Filesystem.file_name=appcmd.exe', 'Filesystem.file_name', 'unsupported field'],
    ['field without prefix', 'Processes.process_name=appcmd.exe', 'process_name=appcmd.exe', 'process_name', 'unsupported field'],
    ['values aggregate', 'count min(_time)', 'values(Processes.process) min(_time)', 'values', 'unsupported aggregate'],
    ['min over another field', 'min(_time)', 'min(Processes.process_id)', 'Processes.process_id', 'unsupported aggregate argument'],
    ['unknown tstats option', '`security_content_summariesonly`', 'prestats=true', 'prestats', 'unsupported tstats option'],
    ['by-field of another object', 'by Processes.dest', 'by Processes.dest Filesystem.file_path', 'Filesystem.file_path', 'unsupported field'],
    ['duplicate by-field', 'by Processes.dest', 'by Processes.dest Processes.dest', 'Processes.dest', 'duplicate by-field', 'by Processes.dest'.length],
    ['ctime of a by-field', 'security_content_ctime(lastTime)', 'security_content_ctime(dest)', '`security_content_ctime(dest)`', 'unsupported macro argument'],
    ['words after a stage macro', '`drop_dm_object_name(Processes)`', '`drop_dm_object_name(Processes)` extra', 'extra'],
    ['missing aggregate', 'max(_time) as lastTime ', '', 'from', 'missing aggregate before'],
  ];

  it.each(seedCases)('%s', (_what, from, to, token, problem = 'unexpected token', skip = 0) => {
    const spl = edit(SEED, from, to);
    const error = compileError(spl);
    // The offending token is the first occurrence of its text at or after the edit (the edit is on line 2 or later).
    // A token may start one character before the edited text (an opening backtick left in place).
    const editAt = SEED.indexOf(from) - 1 + skip;
    const searchFrom = token === '(' || token === 'from' ? 0 : editAt;
    const expected = token === '(' ? locate(spl, '(Processes.parent') : locate(spl, token, searchFrom);
    expect({ token: error.token, line: error.line, column: error.column }).toEqual({ token, ...expected });
    expect(error.message.startsWith(`${problem} "${token}" at line ${expected.line}, column ${expected.column}`)).toBe(true);
    expect(error.line).toBeGreaterThanOrEqual(2);
  });

  it('filter macro must be the last stage', () => {
    const spl = edit(SEED, '| `security_content_ctime(lastTime)` \n| `windows_iis_components_add_new_module_filter`', '| `windows_iis_components_add_new_module_filter`\n| `security_content_ctime(lastTime)` ');
    const error = compileError(spl);
    expect(error.token).toBe('`security_content_ctime(lastTime)`');
    expect({ line: error.line, column: error.column }).toEqual({ line: 6, column: 3 });
  });

  it.each([
    // Hand-counted columns on one-line searches.
    [`${HEAD} where Processes.process LIKE "%x%"`, 'LIKE', 1, 121],
    ['', '<end of input>', 1, 1],
    ['| search Processes.process=x', 'search', 1, 3],
    ['| tstats `security_content_summariesonly count', '`security_content_summar', 1, 10],
    [`${HEAD} where Processes.process="x by Processes.dest`, '"x by Processes.dest', 1, 121],
    [`${HEAD} by`, '<end of input>', 1, 99],
    [`${HEAD} where "appcmd.exe"`, '"appcmd.exe"', 1, 103],
    [`| tstats count min(_time) as f max(_time) as l from datamodel=Other`, 'Other', 1, 63],
  ])('%j → %s at %d:%d', (spl, token, line, column) => {
    const error = compileError(spl);
    expect({ token: error.token, line: error.line, column: error.column }).toEqual({ token, line, column });
    expect(error.message).toContain(`"${token}" at line ${line}, column ${column}`);
  });

  it('columns count code points, not UTF-16 units', () => {
    const error = compileError(`${HEAD} where Processes.user="😀😀" LIKE`);
    // HEAD is 96 characters, " where " puts the field at column 103; `Processes.user="😀😀" ` is 20 code points (22 UTF-16 units).
    expect(error.column).toBe(123);
  });
});
