/**
 * Expression → the literals a matching event must contain, for a raw-byte prefilter. For each top-level AND conjunct that is a
 * positive `field=value`, `field IN (…)` or an OR of those on one field, every alternative's longest `*`-free run (lower-cased)
 * is listed: a matching event's value of that field, lower-cased, contains at least one of them. Conjuncts that are negated,
 * span several fields, or have an alternative without any literal (e.g. `*`) give no requirement and are left out.
 */
import type { Expression } from './search-expression.ts';
import { compileWildcard } from './wildcard-pattern.ts';

/** One requirement: the lower-cased value of `field` contains at least one string of `anyOf`. */
export interface LiteralConjunct {
  field: string;
  anyOf: string[];
}

function conjuncts(e: Expression): Expression[] {
  return e.kind === 'and' ? e.items.flatMap(conjuncts) : [e];
}

/** The positive alternatives `(field, pattern)` of a conjunct, or undefined when it is not a positive match on one field. */
function alternatives(e: Expression): { field: string; patterns: string[] } | undefined {
  switch (e.kind) {
    case 'compare':
      return e.op === '=' ? { field: e.field, patterns: [e.value] } : undefined;
    case 'in':
      return { field: e.field, patterns: [...e.values] };
    case 'or': {
      const parts = e.items.map(alternatives);
      const first = parts[0];
      if (first === undefined || parts.some((p) => p === undefined || p.field !== first.field)) return undefined;
      return { field: first.field, patterns: parts.flatMap((p) => p?.patterns ?? []) };
    }
    case 'and':
    case 'not':
    case 'all':
      return undefined;
  }
}

/**
 * The prefilter literals of `expression` (undefined = no where clause = none). Caveats for a byte-level prefilter: the literals
 * are of DECODED values (a raw XML log may hold `&amp;` for `&`), folded with toLowerCase (compare case-insensitively; ASCII
 * folding is exact only for ASCII literals).
 */
export function literalConjuncts(expression: Expression | undefined): LiteralConjunct[] {
  if (expression === undefined) return [];
  const out: LiteralConjunct[] = [];
  for (const conjunct of conjuncts(expression)) {
    const alt = alternatives(conjunct);
    if (alt === undefined) continue;
    const literals = alt.patterns.map((p) => compileWildcard(p).requiredLiteral);
    if (literals.some((l) => l === '')) continue;
    out.push({ field: alt.field, anyOf: [...new Set(literals)] });
  }
  return out;
}
