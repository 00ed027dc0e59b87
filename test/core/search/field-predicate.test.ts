import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compareForSearch, compilePredicate } from '../../../functions/core/search/field-predicate.ts';
import { parseExpression, type Expression } from '../../../functions/core/search/search-expression.ts';
import { tokenize } from '../../../functions/core/search/spl-tokens.ts';

function predicate(text: string) {
  const tokens = tokenize(text);
  return compilePredicate(parseExpression(tokens, 0, { dialect: 'rows', text, field: (t) => t.value }).expression);
}

function run(text: string, fields: Record<string, string>): boolean {
  return predicate(text).test((f) => (Object.hasOwn(fields, f) ? fields[f] : undefined));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('missing fields (rule-semantics.md §3.4–3.5)', () => {
  it.each<[string, Record<string, string>, boolean, string]>([
    // [expression, fields, expected, why]
    ['p=x', {}, false, 'positive match on a missing field is false'],
    ['p=*', {}, false, 'even * needs the field to exist'],
    ['p=*', { p: '' }, true, '* matches an empty value that exists'],
    ['p!=x', {}, false, '!= on a missing field is false'],
    ['NOT p=x', {}, true, 'NOT is boolean negation: true for a missing field'],
    ['NOT p IN (a, b)', {}, true, 'NOT (IN) true for a missing field (§8 #7)'],
    ['p IN (a, b)', {}, false, 'IN on a missing field is false'],
    ['p!=x', { p: 'y' }, true, '!= on a present, different value'],
    ['p!=x', { p: 'X' }, false, '!= is case-insensitive too'],
    ['NOT p=x', { p: 'X' }, false, 'NOT of a case-insensitive match'],
    ['p>1', {}, false, 'relational on a missing field is false'],
    ['NOT p>1', {}, true, 'NOT of a relational on a missing field'],
  ])('%s with %j → %s (%s)', (text, fields, expected) => {
    expect(run(text, fields)).toBe(expected);
  });
});

describe('relational comparisons (filters)', () => {
  it.each([
    ['count>5', { count: '6' }, true],
    ['count>5', { count: '5' }, false],
    ['count>=5', { count: '5' }, true],
    ['count>9', { count: '10' }, true],
    ['count<10', { count: '9' }, true],
    ['count<10', { count: '10.0' }, false],
    ['count>1e1', { count: '11' }, true],
    ['count<-1', { count: '-2' }, true],
    ['name<b', { name: 'a' }, true],
    ['name<b', { name: 'B' }, true],
    ['name>a', { name: 'b' }, true],
    ['count>9', { count: 'abc' }, true],
    ['firstTime>="2024-01-01T10:00:00"', { firstTime: '2024-01-01T10:00:01' }, true],
    ['firstTime<"2024-01-01T10:00:00"', { firstTime: '2024-01-01T10:00:01' }, false],
  ])('%s with %j → %s', (text, fields, expected) => {
    expect(run(text, fields)).toBe(expected);
  });

  it('compareForSearch: numeric when both are numbers, code-point string order otherwise', () => {
    expect(compareForSearch('10', '9')).toBeGreaterThan(0);
    expect(compareForSearch(' 10 ', '9')).toBeGreaterThan(0);
    expect(compareForSearch('10a', '9')).toBeLessThan(0);
    expect(compareForSearch('B', 'a')).toBeLessThan(0);
    expect(compareForSearch('\uffff', '😀')).toBeLessThan(0);
  });
});

describe('speed contract', () => {
  const seedWhere =
    'NOT (parent_process_name IN ("msiexec.exe", "iissetup.exe")) process_name=appcmd.exe process IN ("*install *", "*module *") AND process="*image*"';

  it('reads each field through the accessor at most once per event', () => {
    const p = predicate(seedWhere);
    const fields: Record<string, string> = { parent_process_name: 'cmd.exe', process_name: 'APPCMD.exe', process: 'appcmd install module /image:x' };
    const calls: string[] = [];
    const get = (f: string): string | undefined => {
      calls.push(f);
      return fields[f];
    };
    expect(p.test(get)).toBe(true);
    expect(new Set(calls).size).toBe(calls.length);
    calls.length = 0;
    expect(p.test(get)).toBe(true);
    expect(new Set(calls).size).toBe(calls.length);
    expect(calls.length).toBe(3);
  });

  it('lower-cases each field value at most once per event (process is read by two conjuncts)', () => {
    const p = predicate(seedWhere);
    const fields: Record<string, string> = { parent_process_name: 'cmd.exe', process_name: 'appcmd.exe', process: 'appcmd install module /image:x' };
    const spy = vi.spyOn(String.prototype, 'toLowerCase');
    expect(p.test((f) => fields[f])).toBe(true);
    expect(spy.mock.calls.length).toBeLessThanOrEqual(3);
  });

  it('lists the fields it reads', () => {
    expect(predicate(seedWhere).fields).toEqual(['parent_process_name', 'process_name', 'process']);
  });

  it('an absent expression matches everything', () => {
    expect(compilePredicate(undefined).test(() => undefined)).toBe(true);
  });
});

describe('agrees with a direct reference evaluator on random expressions and events', () => {
  // Reference: the semantics of field-predicate.ts's header, evaluated naively (no caching, no reordering).
  function wildcard(pattern: string, value: string): boolean {
    const p = pattern.toLowerCase();
    const v = value.toLowerCase();
    const go = (i: number, j: number): boolean => {
      if (i === p.length) return j === v.length;
      if (p[i] === '*') return go(i + 1, j) || (j < v.length && go(i, j + 1));
      return j < v.length && p[i] === v[j] && go(i + 1, j + 1);
    };
    return go(0, 0);
  }
  function evaluate(e: Expression, fields: Record<string, string | undefined>): boolean {
    switch (e.kind) {
      case 'all':
        return true;
      case 'not':
        return !evaluate(e.item, fields);
      case 'and':
        return e.items.every((i) => evaluate(i, fields));
      case 'or':
        return e.items.some((i) => evaluate(i, fields));
      case 'in': {
        const v = fields[e.field];
        return v !== undefined && e.values.some((p) => wildcard(p, v));
      }
      case 'compare': {
        const v = fields[e.field];
        if (v === undefined) return false;
        if (e.op === '=') return wildcard(e.value, v);
        if (e.op === '!=') return !wildcard(e.value, v);
        const num = (s: string) => /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(s);
        const a = num(v) && num(e.value) ? Number(v) : v;
        const b = num(v) && num(e.value) ? Number(e.value) : e.value;
        // Code-point order via arrays of code points.
        const cmp =
          typeof a === 'number' && typeof b === 'number'
            ? a - b
            : (() => {
                const x = [...String(a)].map((c) => c.codePointAt(0) as number);
                const y = [...String(b)].map((c) => c.codePointAt(0) as number);
                for (let i = 0; i < Math.min(x.length, y.length); i += 1) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
                return x.length - y.length;
              })();
        return { '<': cmp < 0, '<=': cmp <= 0, '>': cmp > 0, '>=': cmp >= 0 }[e.op];
      }
    }
  }

  const names = ['f', 'g', 'h'] as const;
  const unit = fc.constantFrom('a', 'A', 'b', '*', ' ', '1', '2', 'é');
  const value = fc.array(unit, { maxLength: 5 }).map((c) => c.join(''));
  const plainValue = value.map((v) => v.replace(/\*/g, ''));
  const field = fc.constantFrom(...names);
  const { expression } = fc.letrec<{ expression: Expression }>((tie) => ({
    expression: fc.oneof(
      { depthSize: 'small' },
      fc.record({ kind: fc.constant('compare' as const), field, op: fc.constantFrom('=' as const, '!=' as const), value }),
      fc.record({ kind: fc.constant('compare' as const), field, op: fc.constantFrom('<' as const, '<=' as const, '>' as const, '>=' as const), value: plainValue }),
      fc.record({ kind: fc.constant('in' as const), field, values: fc.array(value, { minLength: 1, maxLength: 3 }) }),
      fc.record({ kind: fc.constant('not' as const), item: tie('expression') }),
      fc.record({ kind: fc.constant('and' as const), items: fc.array(tie('expression'), { minLength: 2, maxLength: 4 }) }),
      fc.record({ kind: fc.constant('or' as const), items: fc.array(tie('expression'), { minLength: 2, maxLength: 4 }) }),
    ),
  }));
  const event = fc.record({ f: fc.option(plainValue, { nil: undefined }), g: fc.option(plainValue, { nil: undefined }), h: fc.option(plainValue, { nil: undefined }) });

  it('compiled predicate ≡ reference, with the same compiled predicate reused across events', () => {
    fc.assert(
      fc.property(expression, fc.array(event, { minLength: 1, maxLength: 5 }), (e, events) => {
        const compiled = compilePredicate(e);
        for (const ev of events) expect(compiled.test((f) => ev[f as keyof typeof ev])).toBe(evaluate(e, ev));
      }),
      { numRuns: 3000 },
    );
  });
});
