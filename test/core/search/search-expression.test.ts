import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printExpression } from '../../../functions/core/search/expression-printer.ts';
import { compilePredicate } from '../../../functions/core/search/field-predicate.ts';
import { SearchSyntaxError } from '../../../functions/core/search/search-errors.ts';
import { parseExpression, type CompareOp, type Expression, type ExpressionDialect } from '../../../functions/core/search/search-expression.ts';
import { tokenize } from '../../../functions/core/search/spl-tokens.ts';

function parse(text: string, dialect: ExpressionDialect = 'rows'): Expression {
  const tokens = tokenize(text);
  const { expression, next } = parseExpression(tokens, 0, { dialect, text, field: (t) => t.value });
  expect(tokens[next]?.kind).toBe('end');
  return expression;
}

const eq = (field: string, value: string): Expression => ({ kind: 'compare', field, op: '=', value });

describe('parseExpression: SPL precedence (parentheses, NOT, OR, AND)', () => {
  // Splunk Search Manual "Boolean expressions": `A=1 AND B=2 OR C=3` is processed as `A=1 AND (B=2 OR C=3)`, and
  // `error NOT 403 OR 404` as error AND ((NOT 403) OR 404).
  it.each<[string, Expression]>([
    ['a=1 b=2 OR c=3', { kind: 'and', items: [eq('a', '1'), { kind: 'or', items: [eq('b', '2'), eq('c', '3')] }] }],
    ['a=1 AND b=2 OR c=3', { kind: 'and', items: [eq('a', '1'), { kind: 'or', items: [eq('b', '2'), eq('c', '3')] }] }],
    ['a=1 OR b=2 c=3', { kind: 'and', items: [{ kind: 'or', items: [eq('a', '1'), eq('b', '2')] }, eq('c', '3')] }],
    ['e=1 NOT f=403 OR f=404', { kind: 'and', items: [eq('e', '1'), { kind: 'or', items: [{ kind: 'not', item: eq('f', '403') }, eq('f', '404')] }] }],
    ['NOT a=1 b=2', { kind: 'and', items: [{ kind: 'not', item: eq('a', '1') }, eq('b', '2')] }],
    ['NOT (a=1 b=2)', { kind: 'not', item: { kind: 'and', items: [eq('a', '1'), eq('b', '2')] } }],
    ['(a=1 AND b=2) OR c=3', { kind: 'or', items: [{ kind: 'and', items: [eq('a', '1'), eq('b', '2')] }, eq('c', '3')] }],
    ['NOT NOT a=1', { kind: 'not', item: { kind: 'not', item: eq('a', '1') } }],
    ['a IN (x, "y z")', { kind: 'in', field: 'a', values: ['x', 'y z'] }],
    ['a  IN(x)', { kind: 'in', field: 'a', values: ['x'] }],
    ['a!=x', { kind: 'compare', field: 'a', op: '!=', value: 'x' }],
    ['count>=5', { kind: 'compare', field: 'count', op: '>=', value: '5' }],
    ['*', { kind: 'all' }],
    ['a="x\\"y\\\\z"', eq('a', 'x"y\\z')],
    ['a=C:\\\\Windows\\*', eq('a', 'C:\\Windows\\*')],
  ])('%s', (text, expected) => {
    expect(parse(text)).toEqual(expected);
  });

  it('a b OR c means a AND (b OR c): evaluated on all eight assignments', () => {
    const predicate = compilePredicate(parse('a=1 b=1 OR c=1'));
    for (let bits = 0; bits < 8; bits += 1) {
      const a = (bits & 1) !== 0;
      const b = (bits & 2) !== 0;
      const c = (bits & 4) !== 0;
      const fields: Record<string, string> = { a: a ? '1' : '0', b: b ? '1' : '0', c: c ? '1' : '0' };
      expect(predicate.test((f) => fields[f])).toBe(a && (b || c));
    }
  });

  it('flat term sequences evaluate as AND of OR-groups (reference evaluator)', () => {
    const term = fc.record({ negated: fc.boolean(), index: fc.nat(4) });
    const joiner = fc.constantFrom(' ', ' AND ', ' OR ');
    fc.assert(
      fc.property(fc.array(fc.tuple(joiner, term), { minLength: 1, maxLength: 8 }), fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), (seq, truth) => {
        const text = seq.map(([j, t], i) => `${i === 0 ? '' : j}${t.negated ? 'NOT ' : ''}f${t.index}=yes`).join('');
        const value = (t: { negated: boolean; index: number }): boolean => (truth[t.index] as boolean) !== t.negated;
        // Reference: split at AND/juxtaposition into groups; each group is the OR of its terms.
        const groups: boolean[][] = [];
        seq.forEach(([j, t], i) => {
          if (i === 0 || j !== ' OR ') groups.push([]);
          (groups[groups.length - 1] as boolean[]).push(value(t));
        });
        const expected = groups.every((g) => g.some(Boolean));
        const fields = (f: string): string => (truth[Number(f.slice(1))] ? 'yes' : 'no');
        expect(compilePredicate(parse(text)).test(fields)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseExpression: errors name the token and its column', () => {
  it.each([
    // [text, dialect, token, column]
    ['appcmd.exe', 'events', 'appcmd.exe', 1],
    ['a=1 b', 'rows', 'b', 5],
    ['a LIKE "x%"', 'rows', 'LIKE', 3],
    ['a=1 and b=2', 'rows', 'and', 5],
    ['a in (x)', 'rows', 'in', 3],
    ['a<5', 'events', '<', 2],
    ['(a=1', 'rows', '(', 1],
    ['a IN (x, y', 'rows', '(', 6],
    ['a IN (x y)', 'rows', 'y', 9],
    ['a IN ()', 'rows', ')', 7],
    ['a=', 'rows', '<end of input>', 3],
    ['a=AND', 'rows', 'AND', 3],
    ['OR a=1', 'rows', 'OR', 1],
    ['a=1 AND', 'rows', '<end of input>', 8],
    ['"quoted phrase"', 'rows', '"quoted phrase"', 1],
    ['like(a, "x")', 'events', 'like', 1],
    ['a=`m`', 'rows', '`m`', 3],
    ['*', 'events', '*', 1],
  ] as const)('%s (%s) → %s at column %d', (text, dialect, token, column) => {
    let error: unknown;
    try {
      parse(text, dialect);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SearchSyntaxError);
    const e = error as SearchSyntaxError;
    expect({ token: e.token, line: e.line, column: e.column }).toEqual({ token, line: 1, column });
    expect(e.message).toContain(`"${token}" at line 1, column ${column}`);
  });
});

describe('printExpression ∘ parseExpression round trip', () => {
  const fieldName = fc.constantFrom('dest', 'count', 'process_name', 'a.b', 'x-y', 'f:1');
  const value = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.constantFrom('', '*', 'AND', 'OR', 'NOT', 'IN', 'by', 'a b', '"', '\\', '\\"', '\\\\*', 'C:\\x\\*', '`m`', '(', ')', ',', '|', '=', '!=', '<', 'x!y', '\u00a0', 'é*'),
  );
  const op = fc.constantFrom<CompareOp>('=', '!=', '<', '<=', '>', '>=');
  const { expression } = fc.letrec<{ expression: Expression }>((tie) => ({
    expression: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.record({ kind: fc.constant('compare' as const), field: fieldName, op, value }),
      fc.record({ kind: fc.constant('in' as const), field: fieldName, values: fc.array(value, { minLength: 1, maxLength: 4 }) }),
      fc.constant({ kind: 'all' as const }),
      fc.record({ kind: fc.constant('not' as const), item: tie('expression') }),
      fc.record({ kind: fc.constant('and' as const), items: fc.array(tie('expression'), { minLength: 2, maxLength: 3 }) }),
      fc.record({ kind: fc.constant('or' as const), items: fc.array(tie('expression'), { minLength: 2, maxLength: 3 }) }),
    ),
  }));

  it('parse(print(e)) equals e', () => {
    fc.assert(
      fc.property(expression, (e) => {
        expect(parse(printExpression(e))).toEqual(e);
      }),
      { numRuns: 3000 },
    );
  });
});
