import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printValue } from '../../../functions/core/search/expression-printer.ts';
import { positionAt, SearchSyntaxError } from '../../../functions/core/search/search-errors.ts';
import { tokenize } from '../../../functions/core/search/spl-tokens.ts';

const kinds = (text: string) => tokenize(text).map((t) => [t.kind, t.value]);

describe('tokenize', () => {
  it.each<[string, Array<[string, string]>]>([
    ['a=b', [['word', 'a'], ['op', '='], ['word', 'b'], ['end', '']]],
    ['a!=b', [['word', 'a'], ['op', '!='], ['word', 'b'], ['end', '']]],
    ['x!y', [['word', 'x!y'], ['end', '']]],
    ['c>=5 c<=5 c<5 c>5', [['word', 'c'], ['op', '>='], ['word', '5'], ['word', 'c'], ['op', '<='], ['word', '5'], ['word', 'c'], ['op', '<'], ['word', '5'], ['word', 'c'], ['op', '>'], ['word', '5'], ['end', '']]],
    ['f IN("a","b")', [['word', 'f'], ['word', 'IN'], ['lparen', '('], ['quoted', 'a'], ['comma', ','], ['quoted', 'b'], ['rparen', ')'], ['end', '']]],
    ['"a \\"q\\" \\\\ \\x \\*"', [['quoted', 'a "q" \\ \\x \\*'], ['end', '']]],
    ['C:\\\\Windows\\x*', [['word', 'C:\\Windows\\x*'], ['end', '']]],
    ['`m(a, "b")` | x', [['macro', 'm(a, "b")'], ['pipe', '|'], ['word', 'x'], ['end', '']]],
    ['a\u00a0b\tc\r\nd', [['word', 'a\u00a0b'], ['word', 'c'], ['word', 'd'], ['end', '']]],
    ['"a|b" a|b', [['quoted', 'a|b'], ['word', 'a'], ['pipe', '|'], ['word', 'b'], ['end', '']]],
  ])('%j', (text, expected) => {
    expect(kinds(text)).toEqual(expected);
  });

  it('offsets point at each token; the end token sits at the end of the range', () => {
    const text = '  a = "b" ';
    expect(tokenize(text).map((t) => t.offset)).toEqual([2, 4, 6, 10]);
    expect(tokenize('xx yy zz', 3, 5).map((t) => [t.value, t.offset])).toEqual([
      ['yy', 3],
      ['', 5],
    ]);
  });

  it.each([
    ['a="b', 'unterminated quoted string', '"b', 1, 3],
    ['x\n  `m', 'unterminated macro', '`m', 2, 3],
    ['"abcdefghijklmnopqrstuvwxyz0123', 'unterminated quoted string', '"abcdefghijklmnopqrstuvw', 1, 1],
    ['"ab\ncd', 'unterminated quoted string', '"ab', 1, 1],
  ])('%j → %s', (text, problem, token, line, column) => {
    let error: unknown;
    try {
      tokenize(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SearchSyntaxError);
    const e = error as SearchSyntaxError;
    expect({ token: e.token, line: e.line, column: e.column }).toEqual({ token, line, column });
    expect(e.message.startsWith(`${problem} "${token}" at line ${line}, column ${column}`)).toBe(true);
  });

  it('printValue output lexes back to one token with the same value', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 12 }), (value) => {
        const tokens = tokenize(printValue(value));
        expect(tokens).toHaveLength(2);
        expect(tokens[0]?.value).toBe(value);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('positionAt', () => {
  it.each([
    ['abc', 0, 1, 1],
    ['abc', 2, 1, 3],
    ['a\nbc', 2, 2, 1],
    ['a\nbc', 3, 2, 2],
    ['\n\n', 2, 3, 1],
    ['😀x', 2, 1, 2],
    ['é😀😀x', 5, 1, 4],
  ])('%j @%d → %d:%d', (text, offset, line, column) => {
    expect(positionAt(text, offset)).toEqual({ line, column });
  });
});
