/**
 * Errors of the search stage. A compile error names the offending token and where it sits (1-based line and column, columns
 * counted in Unicode code points as an editor shows them), so a user can fix the SPL or the filter text without reading code.
 */

/** Line/column of an offset in a text: both 1-based; the column counts code points from the start of the line. */
export interface TextPosition {
  line: number;
  column: number;
}

/** Where `offset` (a UTF-16 index into `text`) sits, as 1-based line and code-point column. Lines end at `\n`. */
export function positionAt(text: string, offset: number): TextPosition {
  const clamped = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < clamped; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  let column = 1;
  for (let i = lineStart; i < clamped; i += 1) {
    const unit = text.charCodeAt(i);
    // A surrogate pair is one code point: count only its high half.
    if (unit < 0xdc00 || unit > 0xdfff) column += 1;
  }
  return { line, column };
}

/** The SPL (or a filter line) is outside the supported subset or malformed. */
export class SearchSyntaxError extends Error {
  override readonly name = 'SearchSyntaxError';
  /** 1-based line of the token in the compiled text. */
  readonly line: number;
  /** 1-based column (code points) of the token's first character. */
  readonly column: number;
  /** The offending token as written (`<end of input>` when the text ended too early). */
  readonly token: string;
  /** UTF-16 offset of the token in the compiled text. */
  readonly offset: number;

  /** `problem` says what is wrong (e.g. `unexpected token`); `hint`, when given, says what would be accepted. */
  constructor(problem: string, token: string, text: string, offset: number, hint?: string) {
    const { line, column } = positionAt(text, offset);
    super(`${problem} "${token}" at line ${line}, column ${column}${hint === undefined ? '' : `: ${hint}`}`);
    this.line = line;
    this.column = column;
    this.token = token;
    this.offset = offset;
  }
}

/** A compile option (not the SPL text) is invalid, e.g. an unknown field in `byFieldsOverride`. */
export class SearchOptionError extends Error {
  override readonly name = 'SearchOptionError';
  /** The option's name. */
  readonly option: string;

  /** `option` names the offending option; the message says what is wrong with it. */
  constructor(option: string, message: string) {
    super(`${option}: ${message}`);
    this.option = option;
  }
}

/** A serialized aggregation state cannot be restored (other search, other by-fields, or damaged JSON). */
export class AggregationStateError extends Error {
  override readonly name = 'AggregationStateError';
  /** JSON path of the offending member, e.g. `groups[3].count`. */
  readonly path: string;

  /** `path` locates the offending member of the state object. */
  constructor(path: string, message: string) {
    super(`aggregation state ${path}: ${message}`);
    this.path = path;
  }
}
