/**
 * Filter-macro text → a test over result rows: the `<name>_filter` macro made real, as if its body ran as `| search …` after
 * the ESCU search. Format, one `| search` stage per line (all stages must pass):
 * - empty lines and lines starting with `#` are ignored (an empty text passes every row, like ESCU's empty default macro);
 * - a line may start with `|` and/or the word `search` (macro bodies are usually written `search NOT …`); `search *` passes all;
 * - fields are the output columns (dest, user, …, count, firstTime, lastTime); semantics as in field-predicate.ts, plus
 *   `<`, `<=`, `>`, `>=` (numeric when both sides are numbers, else code-point string order);
 * - an expression cannot span lines.
 * Numbers in a row (count) are compared as their decimal text for `=`/`!=`/IN.
 */
import { compilePredicate, type CompiledPredicate } from './field-predicate.ts';
import type { ResultColumns } from './aggregate.ts';
import { SearchSyntaxError } from './search-errors.ts';
import { parseExpression, type Expression } from './search-expression.ts';
import { tokenize, type Token } from './spl-tokens.ts';

/** A compiled filter. */
export interface RowFilter {
  /** The filter text exactly as given. */
  readonly source: string;
  /** One expression per stage (line), in order. */
  readonly stages: readonly Expression[];
  /** Whether the row passes every stage. */
  test(row: Readonly<Record<string, string | number | undefined>>): boolean;
}

const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

function columnName(text: string) {
  return (token: Token): string => {
    if (!COLUMN_NAME.test(token.value)) {
      throw new SearchSyntaxError('unsupported field', token.text, text, token.offset, 'a field name is letters, digits, _ . : - (no wildcards)');
    }
    return token.value;
  };
}

/** Compiles filter text (see the file comment). Throws SearchSyntaxError naming the token, line and column. */
export function compileFilter(text: string): RowFilter {
  const stages: Expression[] = [];
  let lineStart = 0;
  while (lineStart <= text.length) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const stage = compileLine(text, lineStart, lineEnd);
    if (stage !== undefined) stages.push(stage);
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  const predicates: CompiledPredicate[] = stages.map(compilePredicate);
  return Object.freeze({
    source: text,
    stages: Object.freeze(stages),
    test(row: Readonly<Record<string, string | number | undefined>>) {
      const get = (field: string): string | undefined => {
        const value = Object.hasOwn(row, field) ? row[field] : undefined;
        return value === undefined ? undefined : String(value);
      };
      return predicates.every((p) => p.test(get));
    },
  });
}

function compileLine(text: string, start: number, end: number): Expression | undefined {
  const line = text.slice(start, end).trim();
  if (line === '' || line.startsWith('#')) return undefined;
  const tokens = tokenize(text, start, end);
  let pos = 0;
  if (tokens[pos]?.kind === 'pipe') pos += 1;
  const first = tokens[pos] as Token;
  const second = tokens[pos + 1] as Token;
  // `search` is the command word unless it is a field being compared (`search=x`, `search IN (…)`).
  if (first.kind === 'word' && first.text === 'search' && second.kind !== 'op' && second.text !== 'IN') pos += 1;
  const parsed = parseExpression(tokens, pos, { dialect: 'rows', text, field: columnName(text) });
  const after = tokens[parsed.next] as Token;
  if (after.kind !== 'end') {
    const hint = after.kind === 'pipe' ? 'put each | search stage on its own line' : 'expected the end of the line';
    throw new SearchSyntaxError('unexpected token', after.text, text, after.offset, hint);
  }
  return parsed.expression;
}

/** Convenience: the rows (as Splunk columns) that pass `filter`. */
export function filterColumns<T extends ResultColumns>(filter: RowFilter, rows: readonly T[]): T[] {
  return rows.filter((row) => filter.test(row));
}
