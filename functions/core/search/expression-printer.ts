/**
 * Expression → SPL text that parses back to the same expression: every AND/OR operand that is itself an AND/OR is
 * parenthesised, and a value is written bare only when the lexer would read it back unchanged. Used for diagnostics
 * (explaining a compiled rule) and to test the parser by round trip.
 */
import { KEYWORDS, type Expression } from './search-expression.ts';

/** Printing options: `fieldPrefix` is prepended to every field name (e.g. `Processes.` for a tstats where clause). */
export interface PrintOptions {
  fieldPrefix?: string;
}

const BARE = /^[^\s"`(),|=<>\\!]+$/;

/** A value as SPL: bare when safe, else double-quoted with `\` and `"` escaped. */
export function printValue(value: string): string {
  if (BARE.test(value) && !KEYWORDS.has(value)) return value;
  return `"${value.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;
}

/** The expression as SPL text. */
export function printExpression(expression: Expression, options: PrintOptions = {}): string {
  const prefix = options.fieldPrefix ?? '';
  const print = (e: Expression): string => {
    switch (e.kind) {
      case 'all':
        return '*';
      case 'compare':
        return `${prefix}${e.field}${e.op}${printValue(e.value)}`;
      case 'in':
        return `${prefix}${e.field} IN (${e.values.map(printValue).join(', ')})`;
      case 'not':
        return `NOT ${group(e.item)}`;
      case 'and':
        return e.items.map(group).join(' AND ');
      case 'or':
        return e.items.map(group).join(' OR ');
    }
  };
  const group = (e: Expression): string => (e.kind === 'and' || e.kind === 'or' ? `(${print(e)})` : print(e));
  return print(expression);
}
