import { describe, expect, it } from 'vitest';
import { compileFilter, filterColumns } from '../../../functions/core/search/search-filter.ts';
import { SearchSyntaxError } from '../../../functions/core/search/search-errors.ts';

/** A row as the seed search renders it (by-fields, count, firstTime, lastTime). */
const row = {
  dest: 'win-dc-6764986.attackrange.local',
  user: 'Administrator',
  parent_process_name: 'cmd.exe',
  process_name: 'appcmd.exe',
  original_file_name: 'null',
  process: 'appcmd.exe install module /name:X /image:C:\\x.dll',
  process_id: '4242',
  parent_process_id: '1717',
  count: 3,
  firstTime: '2024-05-27T10:00:01',
  lastTime: '2024-05-27T10:05:00',
};

describe('compileFilter: the <name>_filter macro over result rows', () => {
  it.each([
    // [filter text, passes?, why]
    ['', true, 'empty macro (ESCU default) passes everything'],
    ['search *', true, "ESCU's `search *` body"],
    ['*', true, 'bare *'],
    ['# only a comment\n\n   \n', true, 'comments and blank lines'],
    ['search NOT dest IN ("win-dc-*")', false, 'known-good host excluded by wildcard, case-insensitive'],
    ['search NOT dest IN ("other-*")', true, 'other hosts kept'],
    ['NOT parent_process_name=CMD.EXE', false, 'case-insensitive match'],
    ['user!=administrator', false, '!= is case-insensitive'],
    ['user!=someone', true, '!= on a present column'],
    ['vendor_product!=x', false, '!= on a column the row does not have is false'],
    ['NOT vendor_product=x', true, 'NOT on a missing column is true'],
    ['original_file_name=null', true, 'fillnull renders "null" as a value the filter can see'],
    ['count>2', true, 'numeric comparison'],
    ['count>3', false, 'numeric comparison'],
    ['count>=3 count<=3', true, 'implicit AND'],
    ['count>10', false, '3 > 10 is false numerically (lexically it would be true)'],
    ['count=3', true, 'count compared as its decimal text'],
    ['count IN (1, 2, 3)', true, 'IN on a number column'],
    ['firstTime>="2024-05-27T10:00:00"', true, 'times compare as strings'],
    ['lastTime<"2024-05-27T10:05:00"', false, 'equal is not less'],
    ['search dest=win-dc-* \nsearch user=Administrator', true, 'two stages, both pass'],
    ['search dest=win-dc-*\nsearch user=root', false, 'two stages, second fails'],
    ['| search process="*/image:*"', true, 'leading pipe accepted'],
    ['search process_name=appcmd.exe OR count>100 process_id=1', false, 'SPL precedence: (a OR b) AND c'],
    ['search=x', false, '"search" used as a field name is a comparison, not the command word'],
  ])('%j → %s (%s)', (text, expected) => {
    const filter = compileFilter(text);
    expect(filter.source).toBe(text);
    expect(filter.test(row)).toBe(expected);
  });

  it('filterColumns keeps the passing rows in order', () => {
    const rows = [row, { ...row, dest: 'web01' }, { ...row, dest: 'WEB02', count: 50 }];
    expect(filterColumns(compileFilter('NOT dest=win-*\ncount<10'), rows)).toEqual([rows[1]]);
  });

  it('does not read inherited properties as columns', () => {
    expect(compileFilter('toString=*').test(row)).toBe(false);
  });
});

describe('compileFilter errors name line and column', () => {
  it.each([
    ['search dest LIKE "x"', 'LIKE', 1, 13],
    ['# comment\n\nsearch user=x | search dest=y', '|', 3, 15],
    ['where count>5', 'where', 1, 1],
    ['search', '<end of input>', 1, 7],
    ['dest=x\n  search (user=a', '(', 2, 10],
    ['search NOT dest IN ("a", "b"', '(', 1, 20],
    ['search dest="unterminated', '"unterminated', 1, 13],
    ['search proc*=x', 'proc*', 1, 8],
    ['ok=1\r\nsearch dest == x', '=', 2, 14],
    ['search `macro`', '`macro`', 1, 8],
  ])('%j → %s at %d:%d', (text, token, line, column) => {
    let error: unknown;
    try {
      compileFilter(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SearchSyntaxError);
    const e = error as SearchSyntaxError;
    expect({ token: e.token, line: e.line, column: e.column }).toEqual({ token, line, column });
  });
});
