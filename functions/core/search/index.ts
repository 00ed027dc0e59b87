/**
 * The search stage's public API: compile the published ESCU SPL once (compileSearch), test each normalized event with its
 * `predicate`, fold matches into createAggregation, read `row.columns` (Splunk's rendering), and apply the detection's filter
 * macro with compileFilter. The stage files can also be imported directly.
 */
export {
  createAggregation,
  DEFAULT_EVIDENCE_CAP,
  formatCtime,
  resultColumns,
  type Aggregation,
  type AggregationOptions,
  type AggregationState,
  type ResultColumns,
  type ResultRow,
} from './aggregate.ts';
export { compareCodePoints } from './code-point-order.ts';
export {
  compileSearch,
  ESCU_STANDARD_PROCESS_BY_FIELDS,
  PROCESSES_DATAMODEL,
  type AggregateRole,
  type CompiledSearch,
  type CompileSearchOptions,
  type SearchAggregates,
  type TstatsOptions,
} from './compile-search.ts';
export { printExpression, printValue, type PrintOptions } from './expression-printer.ts';
export { compareForSearch, compilePredicate, type CompiledPredicate, type FieldGetter } from './field-predicate.ts';
export { literalConjuncts, type LiteralConjunct } from './required-literals.ts';
export { AggregationStateError, positionAt, SearchOptionError, SearchSyntaxError, type TextPosition } from './search-errors.ts';
export { KEYWORDS, parseExpression, type CompareOp, type Expression, type ExpressionDialect, type ParseExpressionOptions } from './search-expression.ts';
export { compileFilter, filterColumns, type RowFilter } from './search-filter.ts';
export { tokenize, type Token, type TokenKind } from './spl-tokens.ts';
export { compileWildcard, matchesWildcard, type WildcardMatcher, type WildcardShape } from './wildcard-pattern.ts';
