/**
 * SPL text → tokens. The lexer knows only the characters that separate SPL words (whitespace, quotes, backticks, parentheses,
 * commas, pipes and comparison operators); keywords such as AND/OR/NOT/IN, `by`, `where` are words the parsers recognise.
 *
 * Escapes (Splunk Search Manual "Backslashes"): `\\` is one backslash and `\"` one double quote, inside quotes and in bare
 * words alike; any other backslash stays literal. A backslash cannot escape `*`: every `*` of a decoded value is a wildcard.
 */
import { SearchSyntaxError } from './search-errors.ts';

/** The kinds of token. `op` is one of `=`, `!=`, `<`, `<=`, `>`, `>=`. */
export type TokenKind = 'word' | 'quoted' | 'macro' | 'pipe' | 'lparen' | 'rparen' | 'comma' | 'op' | 'end';

/** One token: `text` exactly as written, `value` decoded (escapes applied; a macro's text between the backticks). */
export interface Token {
  kind: TokenKind;
  text: string;
  value: string;
  /** UTF-16 offset of the first character in the lexed text. */
  offset: number;
}

/** What a bare word cannot contain: ASCII whitespace and the separators listed in the file comment. */
function endsWord(ch: string, next: string | undefined): boolean {
  switch (ch) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case '\f':
    case '\v':
    case '"':
    case '`':
    case '(':
    case ')':
    case ',':
    case '|':
    case '=':
    case '<':
    case '>':
      return true;
    case '!':
      // `!` is part of a word unless it starts `!=`.
      return next === '=';
    default:
      return false;
  }
}

/** The start of an unterminated construct, for the error: up to the end of its line, at most 24 characters. */
function excerpt(text: string, start: number, end: number): string {
  const newline = text.indexOf('\n', start);
  const stop = Math.min(end, newline === -1 ? end : newline, start + 24);
  return text.slice(start, stop).trimEnd();
}

/** Applies the two escapes (`\\`, `\"`) to a run of text; other backslashes stay. */
function unescape(raw: string): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i += 1) {
    const ch = raw[i] as string;
    const next = raw[i + 1];
    if (ch === '\\' && (next === '\\' || next === '"')) {
      out += next;
      i += 1;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * Tokens of `text.slice(start, end)`, always ending with an `end` token. Offsets (and error positions) are relative to the whole
 * `text`, so a caller lexing one line of a larger text gets positions in that text. Whitespace is ASCII only (a no-break space
 * is part of a word). Throws SearchSyntaxError on an unterminated quote or macro.
 */
export function tokenize(text: string, start = 0, end = text.length): Token[] {
  const tokens: Token[] = [];
  let i = start;
  while (i < end) {
    const ch = text[i] as string;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v') {
      i += 1;
      continue;
    }
    const offset = i;
    switch (ch) {
      case '"': {
        let j = i + 1;
        while (j < end && text[j] !== '"') j += text[j] === '\\' && j + 1 < end ? 2 : 1;
        if (j >= end) throw new SearchSyntaxError('unterminated quoted string', excerpt(text, i, end), text, offset, 'add the closing "');
        const raw = text.slice(i + 1, j);
        tokens.push({ kind: 'quoted', text: text.slice(i, j + 1), value: unescape(raw), offset });
        i = j + 1;
        break;
      }
      case '`': {
        const close = text.indexOf('`', i + 1);
        if (close === -1 || close >= end) {
          throw new SearchSyntaxError('unterminated macro', excerpt(text, i, end), text, offset, 'add the closing backtick');
        }
        tokens.push({ kind: 'macro', text: text.slice(i, close + 1), value: text.slice(i + 1, close), offset });
        i = close + 1;
        break;
      }
      case '|':
        tokens.push({ kind: 'pipe', text: ch, value: ch, offset });
        i += 1;
        break;
      case '(':
        tokens.push({ kind: 'lparen', text: ch, value: ch, offset });
        i += 1;
        break;
      case ')':
        tokens.push({ kind: 'rparen', text: ch, value: ch, offset });
        i += 1;
        break;
      case ',':
        tokens.push({ kind: 'comma', text: ch, value: ch, offset });
        i += 1;
        break;
      case '=':
        tokens.push({ kind: 'op', text: ch, value: ch, offset });
        i += 1;
        break;
      case '<':
      case '>': {
        const op = text[i + 1] === '=' && i + 1 < end ? `${ch}=` : ch;
        tokens.push({ kind: 'op', text: op, value: op, offset });
        i += op.length;
        break;
      }
      default: {
        if (ch === '!' && text[i + 1] === '=' && i + 1 < end) {
          tokens.push({ kind: 'op', text: '!=', value: '!=', offset });
          i += 2;
          break;
        }
        let j = i;
        while (j < end) {
          const c = text[j] as string;
          if (c === '\\' && j + 1 < end && (text[j + 1] === '\\' || text[j + 1] === '"')) {
            j += 2;
            continue;
          }
          if (endsWord(c, j + 1 < end ? text[j + 1] : undefined)) break;
          j += 1;
        }
        const raw = text.slice(i, j);
        tokens.push({ kind: 'word', text: raw, value: unescape(raw), offset });
        i = j;
      }
    }
  }
  tokens.push({ kind: 'end', text: '<end of input>', value: '', offset: end });
  return tokens;
}
