/**
 * SPL value patterns → compiled matchers (rule-semantics.md §3.2–3.3): case-insensitive whole-value match, `*` matches any run of
 * characters including none, every other character is literal (no `?`, no regex, a backslash does not escape `*`).
 *
 * Case folding is `String.prototype.toLowerCase()` applied to the whole pattern and the whole value, then compared code unit by
 * code unit. That is exact for ASCII and for the usual Unicode pairs; where Unicode lower-casing is context-dependent (final
 * sigma, `İ` → `i̇`) Splunk's own folding is undocumented, so treat non-ASCII case-insensitivity as [L].
 *
 * Each pattern is compiled once; `test` takes a value that is ALREADY lower-cased (the predicate lower-cases each field value at
 * most once per event and shares it across patterns). No RegExp is built.
 */

/** The shape a pattern reduces to; it picks the matching strategy. */
export type WildcardShape = 'exact' | 'any' | 'prefix' | 'suffix' | 'contains' | 'segments';

/** A compiled value pattern. */
export interface WildcardMatcher {
  /** The pattern as written (decoded value). */
  readonly source: string;
  /** The pattern lower-cased, runs of `*` collapsed to one. */
  readonly lower: string;
  readonly shape: WildcardShape;
  /** The longest run without `*` of `lower` ('' for `*`): any matching value, lower-cased, contains it. */
  readonly requiredLiteral: string;
  /** Whether `lowerValue` (a value already lower-cased with toLowerCase) matches the whole pattern. */
  test(lowerValue: string): boolean;
}

/** Compiles `pattern` (a decoded SPL value, `*` = wildcard) into a matcher over lower-cased values. */
export function compileWildcard(pattern: string): WildcardMatcher {
  const lower = pattern.toLowerCase().replace(/\*{2,}/g, '*');
  const parts = lower.split('*');
  const requiredLiteral = parts.reduce((best, part) => (part.length > best.length ? part : best), '');
  const base = { source: pattern, lower, requiredLiteral };
  if (parts.length === 1) return { ...base, shape: 'exact', test: (v) => v === lower };
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  const middle = parts.slice(1, -1);
  if (parts.length === 2) {
    if (first === '' && last === '') return { ...base, shape: 'any', test: () => true };
    if (last === '') return { ...base, shape: 'prefix', test: (v) => v.startsWith(first) };
    if (first === '') return { ...base, shape: 'suffix', test: (v) => v.endsWith(last) };
  }
  if (parts.length === 3 && first === '' && last === '') {
    const inner = middle[0] as string;
    return { ...base, shape: 'contains', test: (v) => v.includes(inner) };
  }
  const fixed = first.length + last.length;
  return {
    ...base,
    shape: 'segments',
    test(v) {
      if (v.length < fixed || !v.startsWith(first) || !v.endsWith(last)) return false;
      // Leftmost placement of each middle segment is optimal when the only wildcard is `*`.
      let at = first.length;
      const limit = v.length - last.length;
      for (const segment of middle) {
        const found = v.indexOf(segment, at);
        if (found === -1 || found + segment.length > limit) return false;
        at = found + segment.length;
      }
      return true;
    },
  };
}

/** One-off convenience: whether `value` matches `pattern` under the semantics above (lower-cases both; compiles every call). */
export function matchesWildcard(pattern: string, value: string): boolean {
  return compileWildcard(pattern).test(value.toLowerCase());
}
