/**
 * Expression → predicate over one event's (or one result row's) fields, with Splunk's semantics (rule-semantics.md §3):
 * - `field=value` / `field IN (…)`: false when the field is missing (null); `IN` is the OR of `=`.
 * - `field!=value`: false when the field is missing — unlike `NOT field=value`, which is the plain boolean negation and so is
 *   TRUE for a missing field (Splunk "Difference between != and NOT").
 * - `<`, `<=`, `>`, `>=` (filters only): numeric when both sides are decimal numbers, otherwise code-point string order
 *   (case-sensitive) [L]; false when the field is missing. The value is taken literally (no wildcards).
 *
 * Speed: patterns are compiled once; each referenced field is fetched through the accessor at most once per call and lower-cased
 * at most once per call (slots reused across calls, no allocation per event); AND/OR operands run cheapest first, which cannot
 * change the result because every operand is pure.
 */
import { compareCodePoints } from './code-point-order.ts';
import type { CompareOp, Expression } from './search-expression.ts';
import { compileWildcard, type WildcardMatcher } from './wildcard-pattern.ts';

/** Reads one field of the current event or row by name; `undefined` means missing (null). */
export type FieldGetter = (field: string) => string | undefined;

/** A compiled predicate and the fields it reads. */
export interface CompiledPredicate {
  /** Every field name the predicate may read, in first-use order. */
  readonly fields: readonly string[];
  /** Whether the event or row read through `get` satisfies the expression. */
  test(get: FieldGetter): boolean;
}

/** Per-call field cache: slot i holds field i's raw and lower-cased value for the current epoch. */
class FieldSlots {
  get: FieldGetter = () => undefined;
  epoch = 0;
  private readonly rawEpoch: number[];
  private readonly raw: Array<string | undefined>;
  private readonly lowerEpoch: number[];
  private readonly lowered: Array<string | undefined>;

  constructor(private readonly names: readonly string[]) {
    this.rawEpoch = names.map(() => -1);
    this.raw = names.map(() => undefined);
    this.lowerEpoch = names.map(() => -1);
    this.lowered = names.map(() => undefined);
  }

  value(slot: number): string | undefined {
    if (this.rawEpoch[slot] !== this.epoch) {
      this.raw[slot] = this.get(this.names[slot] as string);
      this.rawEpoch[slot] = this.epoch;
    }
    return this.raw[slot];
  }

  lower(slot: number): string | undefined {
    if (this.lowerEpoch[slot] !== this.epoch) {
      this.lowered[slot] = this.value(slot)?.toLowerCase();
      this.lowerEpoch[slot] = this.epoch;
    }
    return this.lowered[slot];
  }
}

type Node = { cost: number; run: (slots: FieldSlots) => boolean };

const SHAPE_COST = { any: 0, exact: 1, prefix: 2, suffix: 2, contains: 3, segments: 4 } as const;
const NUMBER = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** Splunk's order for a relational comparison: numeric when both sides are numbers, else code-point string order. */
export function compareForSearch(left: string, right: string): number {
  if (NUMBER.test(left) && NUMBER.test(right)) return Number(left) - Number(right);
  return compareCodePoints(left, right);
}

function relational(op: CompareOp, order: number): boolean {
  switch (op) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '=':
    case '!=':
      throw new Error(`relational() called with ${op}`);
  }
}

/** Compiles `expression` (undefined = match everything) into a predicate. */
export function compilePredicate(expression: Expression | undefined): CompiledPredicate {
  const names: string[] = [];
  const slotOf = (field: string): number => {
    const at = names.indexOf(field);
    if (at !== -1) return at;
    names.push(field);
    return names.length - 1;
  };

  const build = (e: Expression): Node => {
    switch (e.kind) {
      case 'all':
        return { cost: 0, run: () => true };
      case 'compare': {
        const slot = slotOf(e.field);
        if (e.op === '=' || e.op === '!=') {
          const m = compileWildcard(e.value);
          const wanted = e.op === '=';
          return {
            cost: SHAPE_COST[m.shape],
            run: (s) => {
              const v = s.lower(slot);
              return v !== undefined && m.test(v) === wanted;
            },
          };
        }
        const op = e.op;
        const literal = e.value;
        return {
          cost: 2,
          run: (s) => {
            const v = s.value(slot);
            return v !== undefined && relational(op, compareForSearch(v, literal));
          },
        };
      }
      case 'in': {
        const slot = slotOf(e.field);
        const matchers: WildcardMatcher[] = e.values.map(compileWildcard);
        const cost = matchers.reduce((sum, m) => sum + SHAPE_COST[m.shape], 0);
        return {
          cost,
          run: (s) => {
            const v = s.lower(slot);
            if (v === undefined) return false;
            for (const m of matchers) if (m.test(v)) return true;
            return false;
          },
        };
      }
      case 'not': {
        const inner = build(e.item);
        return { cost: inner.cost, run: (s) => !inner.run(s) };
      }
      case 'and':
      case 'or': {
        const items = e.items.map(build).sort((a, b) => a.cost - b.cost);
        const runs = items.map((n) => n.run);
        const cost = items.reduce((sum, n) => sum + n.cost, 0);
        if (e.kind === 'and') {
          return {
            cost,
            run: (s) => {
              for (const run of runs) if (!run(s)) return false;
              return true;
            },
          };
        }
        return {
          cost,
          run: (s) => {
            for (const run of runs) if (run(s)) return true;
            return false;
          },
        };
      }
    }
  };

  const root = expression === undefined ? undefined : build(expression);
  const slots = new FieldSlots(names);
  return {
    fields: Object.freeze([...names]),
    test(get) {
      if (root === undefined) return true;
      slots.get = get;
      slots.epoch += 1;
      return root.run(slots);
    },
  };
}
