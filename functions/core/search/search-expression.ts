/**
 * Tokens → boolean search expression (the `where` of tstats, a `| search` line of a filter). SPL precedence, which is not C's:
 * parentheses, then NOT, then OR, then AND (explicit or implied by juxtaposition) — Splunk Search Manual "Boolean expressions":
 * `A=1 AND B=2 OR C=3` is processed as `A=1 AND (B=2 OR C=3)`. Keywords are uppercase only.
 */
import { SearchSyntaxError } from './search-errors.ts';
import type { Token } from './spl-tokens.ts';

/** Comparison operators. `<`, `<=`, `>`, `>=` exist only in the `rows` dialect. */
export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** A parsed search expression. `all` is the bare `*` of `search *` (rows dialect only). */
export type Expression =
  | { kind: 'and'; items: Expression[] }
  | { kind: 'or'; items: Expression[] }
  | { kind: 'not'; item: Expression }
  | { kind: 'compare'; field: string; op: CompareOp; value: string }
  | { kind: 'in'; field: string; values: string[] }
  | { kind: 'all' };

/** `events`: the tstats where clause (`=`, `!=`, IN). `rows`: a filter over result rows (adds `<`…`>=` and bare `*`). */
export type ExpressionDialect = 'events' | 'rows';

/** How to parse: the dialect, the whole text (for error positions), the field-name mapping and the words that end the expression. */
export interface ParseExpressionOptions {
  dialect: ExpressionDialect;
  /** The text the tokens were lexed from. */
  text: string;
  /** Maps a field token to the field name the predicate reads; throws SearchSyntaxError for a field outside the subset. */
  field: (token: Token) => string;
  /** Words (compared case-insensitively) that end the expression where a term could start, e.g. `by` in tstats. */
  stopWords?: readonly string[];
}

/** The four SPL keywords of boolean search expressions. */
export const KEYWORDS: ReadonlySet<string> = new Set(['AND', 'OR', 'NOT', 'IN']);
const RELATIONAL: ReadonlySet<string> = new Set(['<', '<=', '>', '>=']);

/**
 * Parses one expression starting at `tokens[start]`; returns it and the index of the first token after it (an `end`, a `pipe`, a
 * stop word, or anything else the caller must reject). Throws SearchSyntaxError naming the token for anything outside the subset.
 */
export function parseExpression(
  tokens: readonly Token[],
  start: number,
  options: ParseExpressionOptions,
): { expression: Expression; next: number } {
  const parser = new ExpressionParser(tokens, start, options);
  const expression = parser.parseAnd();
  return { expression, next: parser.pos };
}

class ExpressionParser {
  pos: number;
  private readonly stop: ReadonlySet<string>;

  constructor(
    private readonly tokens: readonly Token[],
    start: number,
    private readonly options: ParseExpressionOptions,
  ) {
    this.pos = start;
    this.stop = new Set((options.stopWords ?? []).map((w) => w.toLowerCase()));
  }

  private peek(ahead = 0): Token {
    // The lexer always ends with an `end` token, so clamping keeps every peek defined.
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)] as Token;
  }

  private fail(token: Token, hint: string, problem = 'unexpected token'): never {
    throw new SearchSyntaxError(problem, token.text, this.options.text, token.offset, hint);
  }

  private isWord(token: Token, word: string): boolean {
    return token.kind === 'word' && token.text === word;
  }

  private startsTerm(token: Token): boolean {
    if (token.kind === 'lparen' || token.kind === 'quoted') return true;
    if (token.kind !== 'word') return false;
    if (token.text === 'AND' || token.text === 'OR') return false;
    return !this.stop.has(token.text.toLowerCase());
  }

  parseAnd(): Expression {
    const items = [this.parseOr()];
    for (;;) {
      const token = this.peek();
      if (this.isWord(token, 'AND')) {
        this.pos += 1;
        items.push(this.parseOr());
      } else if (this.startsTerm(token)) {
        items.push(this.parseOr());
      } else {
        break;
      }
    }
    return items.length === 1 ? (items[0] as Expression) : { kind: 'and', items };
  }

  private parseOr(): Expression {
    const items = [this.parseNot()];
    while (this.isWord(this.peek(), 'OR')) {
      this.pos += 1;
      items.push(this.parseNot());
    }
    return items.length === 1 ? (items[0] as Expression) : { kind: 'or', items };
  }

  private parseNot(): Expression {
    if (this.isWord(this.peek(), 'NOT')) {
      this.pos += 1;
      return { kind: 'not', item: this.parseNot() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expression {
    const token = this.peek();
    switch (token.kind) {
      case 'lparen': {
        this.pos += 1;
        const inner = this.parseAnd();
        const close = this.peek();
        if (close.kind === 'rparen') {
          this.pos += 1;
          return inner;
        }
        const endsExpression = close.kind === 'end' || close.kind === 'pipe' || (close.kind === 'word' && this.stop.has(close.text.toLowerCase()));
        if (endsExpression) this.fail(token, 'add the closing ")"', 'unclosed parenthesis');
        return this.fail(close, 'expected ")"');
      }
      case 'word':
        return this.parseTerm(token);
      case 'quoted':
        return this.fail(token, 'a search term needs a field: field=value');
      case 'macro':
        return this.fail(token, 'macros are not supported inside a search expression', 'unsupported macro');
      case 'end':
        return this.fail(token, 'expected a search term');
      case 'pipe':
      case 'rparen':
      case 'comma':
      case 'op':
        return this.fail(token, 'expected a search term');
    }
  }

  private parseTerm(token: Token): Expression {
    if (KEYWORDS.has(token.text) || this.stop.has(token.text.toLowerCase())) this.fail(token, 'expected a search term');
    if (token.text === '*' && this.options.dialect === 'rows') {
      this.pos += 1;
      return { kind: 'all' };
    }
    const next = this.peek(1);
    if (next.kind === 'op') {
      if (RELATIONAL.has(next.text) && this.options.dialect === 'events') {
        this.fail(next, 'only =, != and IN are supported in the tstats where clause');
      }
      const field = this.options.field(token);
      this.pos += 2;
      return { kind: 'compare', field, op: next.text as CompareOp, value: this.parseValue() };
    }
    if (this.isWord(next, 'IN')) {
      const field = this.options.field(token);
      this.pos += 2;
      return { kind: 'in', field, values: this.parseValueList() };
    }
    if (next.kind === 'word' && KEYWORDS.has(next.text.toUpperCase())) {
      this.fail(next, 'SPL keywords AND, OR, NOT and IN must be uppercase');
    }
    if (next.kind === 'word' && /^[A-Z]+$/.test(next.text)) this.fail(next, 'operator not supported; use =, != or IN');
    if (KEYWORDS.has(token.text.toUpperCase())) this.fail(token, 'SPL keywords AND, OR, NOT and IN must be uppercase');
    return this.fail(token, 'a search term needs a field: field=value');
  }

  private parseValue(): string {
    const token = this.peek();
    if (token.kind === 'quoted' || (token.kind === 'word' && !KEYWORDS.has(token.text))) {
      this.pos += 1;
      return token.value;
    }
    return this.fail(token, 'expected a value');
  }

  private parseValueList(): string[] {
    const open = this.peek();
    if (open.kind !== 'lparen') this.fail(open, 'expected "(" after IN');
    this.pos += 1;
    const values = [this.parseValue()];
    for (;;) {
      const token = this.peek();
      if (token.kind === 'comma') {
        this.pos += 1;
        values.push(this.parseValue());
      } else if (token.kind === 'rparen') {
        this.pos += 1;
        return values;
      } else if (token.kind === 'end' || token.kind === 'pipe' || (token.kind === 'word' && this.stop.has(token.text.toLowerCase()))) {
        return this.fail(open, 'add the closing ")"', 'unclosed parenthesis');
      } else {
        return this.fail(token, 'separate IN values with commas and close the list with ")"');
      }
    }
  }
}
