import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileWildcard, matchesWildcard } from '../../../functions/core/search/wildcard-pattern.ts';

/**
 * The plain definition (rule-semantics.md §3.3), written independently of the implementation: lower-case both strings with
 * toLowerCase, then `*` matches any run of code units (including none) and every other code unit matches itself.
 * Classic DP over the two strings.
 */
function referenceMatch(pattern: string, value: string): boolean {
  const p = pattern.toLowerCase();
  const v = value.toLowerCase();
  let row: boolean[] = Array.from({ length: v.length + 1 }, (_, j) => j === 0);
  for (let i = 1; i <= p.length; i += 1) {
    const next: boolean[] = new Array<boolean>(v.length + 1).fill(false);
    const pc = p[i - 1];
    next[0] = pc === '*' && (row[0] as boolean);
    for (let j = 1; j <= v.length; j += 1) {
      next[j] = pc === '*' ? (row[j] as boolean) || (next[j - 1] as boolean) : (row[j - 1] as boolean) && pc === v[j - 1];
    }
    row = next;
  }
  return row[v.length] as boolean;
}

describe('compileWildcard', () => {
  it.each([
    // [pattern, value, expected, why]
    ['appcmd.exe', 'appcmd.exe', true, 'exact'],
    ['appcmd.exe', 'APPCMD.EXE', true, 'case-insensitive (§3.2)'],
    ['appcmd.exe', 'myappcmd.exe', false, 'whole value, not endswith (§8 #22)'],
    ['appcmd.exe', 'appcmd.exe.old', false, 'whole value (§8 #22)'],
    ['appcmd.exe', 'appcmdxexe', false, '. is literal, not regex'],
    ['*install *', 'appcmd.exe install module', true, 'contains with the trailing space'],
    ['*install *', 'appcmd.exe install\tmodule', false, 'tab is not a space (§8 #11)'],
    ['*install *', 'appcmd /x install', false, 'end of string is not a space (§8 #14)'],
    ['*install *', 'uninstall module', true, 'substring of uninstall (§8 #16)'],
    ['*image*', 'x /path:C:\\Images\\x.dll', true, 'inside Images (§8 #18)'],
    ['*image*', 'image', true, '* matches the empty run'],
    ['*', '', true, '* matches the empty value'],
    ['', '', true, 'empty pattern matches only empty'],
    ['', 'x', false, 'empty pattern matches only empty'],
    ['a*', 'A', true, 'prefix'],
    ['*b', 'aB', true, 'suffix'],
    ['a*b*c', 'abc', true, 'segments, empty runs'],
    ['a*b*c', 'ac', false, 'segments need b'],
    ['a*bc*bc', 'abcbc', true, 'segments must not overlap the suffix'],
    ['a*bc*bc', 'abc', false, 'segments must not overlap the suffix'],
    ['ab*ba', 'aba', false, 'prefix and suffix may not overlap'],
    ['a**b', 'ab', true, 'runs of * collapse'],
    ['C:\\*', 'c:\\windows', true, 'backslash is literal, does not escape *'],
    ['C:\\*', 'C:\\*', true, 'a literal * in the value is matched by the wildcard'],
    ['C:\\*', 'C:*', false, 'the backslash before * is a literal backslash'],
    ['?', 'x', false, '? is literal'],
    ['?', '?', true, '? is literal'],
    ['[a]', 'a', false, 'no regex classes'],
  ])('%j vs %j → %s (%s)', (pattern, value, expected) => {
    expect(compileWildcard(pattern).test(value.toLowerCase())).toBe(expected);
    expect(referenceMatch(pattern, value)).toBe(expected);
  });

  it.each([
    ['appcmd.exe', 'exact', 'appcmd.exe'],
    ['*', 'any', ''],
    ['lit*', 'prefix', 'lit'],
    ['*lit', 'suffix', 'lit'],
    ['*install *', 'contains', 'install '],
    ['a*bcd*e', 'segments', 'bcd'],
    ['*IMAGE*', 'contains', 'image'],
  ])('%j has shape %s and required literal %j', (pattern, shape, literal) => {
    const m = compileWildcard(pattern);
    expect(m.shape).toBe(shape);
    expect(m.requiredLiteral).toBe(literal);
  });

  const alphabet = fc.constantFrom('*', 'a', 'A', 'b', 'B', ' ', '.', '?', '\\', '+', '(', ')', '[', ']', '^', '$', '|', 'é', 'É', 'ß', 'İ', 'Σ', 'ς', 'K', '\u212a', '😀');
  const text = fc.array(alphabet, { maxLength: 12 }).map((cs) => cs.join(''));

  it('agrees with the reference matcher on random patterns and values', () => {
    fc.assert(
      fc.property(text, text, (pattern, value) => {
        expect(matchesWildcard(pattern, value)).toBe(referenceMatch(pattern, value));
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with the reference matcher on values built to match (stars filled with random text)', () => {
    fc.assert(
      fc.property(text, fc.array(text, { minLength: 13, maxLength: 13 }), (pattern, fills) => {
        let k = 0;
        const value = pattern.replace(/\*/g, () => fills[k++ % fills.length] as string);
        expect(matchesWildcard(pattern, value)).toBe(referenceMatch(pattern, value));
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with the reference matcher on full unicode', () => {
    const uni = fc.string({ unit: fc.oneof(fc.constant('*'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 10 });
    fc.assert(
      fc.property(uni, fc.string({ unit: 'binary', maxLength: 10 }), (pattern, value) => {
        expect(matchesWildcard(pattern, value)).toBe(referenceMatch(pattern, value));
      }),
      { numRuns: 3000 },
    );
  });

  it('requiredLiteral is contained in every matching lower-cased value', () => {
    fc.assert(
      fc.property(text, text, (pattern, value) => {
        const m = compileWildcard(pattern);
        if (m.test(value.toLowerCase())) expect(value.toLowerCase().includes(m.requiredLiteral)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
