/**
 * ESCU SPL → CompiledSearch. The subset ESCU Endpoint.Processes detections use:
 *
 *   | tstats <options and `security_content_summariesonly`> count min(_time) as X max(_time) as Y
 *       from datamodel=Endpoint.Processes [where <expr>] [by Processes.f …]
 *   | `drop_dm_object_name(Processes)` | `security_content_ctime(X)` | `security_content_ctime(Y)` | `<name>_filter`
 *
 * Macros are expanded by meaning, not by text (rule-semantics.md §2): `security_content_summariesonly` is
 * `summariesonly=false allow_old_summaries=true fillnull_value=null`; `drop_dm_object_name(Processes)` strips the `Processes.`
 * prefix from output names; `security_content_ctime(f)` renders an aggregate time as `%Y-%m-%dT%H:%M:%S` (UTC here); the
 * trailing `<name>_filter` macro's body is supplied by the caller (compileFilter). Anything else is a SearchSyntaxError naming
 * the token, its line and column.
 */
import { compilePredicate, type FieldGetter } from './field-predicate.ts';
import { literalConjuncts, type LiteralConjunct } from './required-literals.ts';
import { SearchOptionError, SearchSyntaxError } from './search-errors.ts';
import { parseExpression, type Expression } from './search-expression.ts';
import { tokenize, type Token } from './spl-tokens.ts';

/**
 * The "standard 20 process fields" newer ESCU releases use in the `by` clause of Endpoint.Processes detections
 * (rule-semantics.md §1.2, seen on br0k3nlab.com/LoFP for this detection) [L/M], as CIM names. Pass as `byFieldsOverride`.
 */
export const ESCU_STANDARD_PROCESS_BY_FIELDS: readonly string[] = Object.freeze([
  'action',
  'dest',
  'original_file_name',
  'parent_process',
  'parent_process_exec',
  'parent_process_guid',
  'parent_process_id',
  'parent_process_name',
  'parent_process_path',
  'process',
  'process_exec',
  'process_guid',
  'process_hash',
  'process_id',
  'process_integrity_level',
  'process_name',
  'process_path',
  'user',
  'user_id',
  'vendor_product',
]);

/** The only data model (and object) supported. */
export const PROCESSES_DATAMODEL = 'Endpoint.Processes';
const OBJECT_PREFIX = 'Processes.';
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Options of compileSearch. */
export interface CompileSearchOptions {
  /** Replace the search's `by` list (CIM names, with or without `Processes.`), e.g. ESCU_PROCESS_BY_FIELDS. */
  byFieldsOverride?: readonly string[];
}

/** tstats options as written or expanded from `security_content_summariesonly` (values as text). */
export interface TstatsOptions {
  summariesonly?: string;
  allow_old_summaries?: string;
  fillnull_value?: string;
}

/** The aggregate roles, in the order the search lists them (= output column order after the by-fields). */
export type AggregateRole = 'count' | 'firstTime' | 'lastTime';

/** Output column names of the three aggregates (`count`, `min(_time) as …`, `max(_time) as …`). */
export interface SearchAggregates {
  count: string;
  firstTime: string;
  lastTime: string;
  order: readonly AggregateRole[];
}

/** A compiled ESCU process search. */
export interface CompiledSearch {
  /** The SPL exactly as given. */
  readonly spl: string;
  readonly datamodel: typeof PROCESSES_DATAMODEL;
  readonly tstatsOptions: Readonly<TstatsOptions>;
  /** The where clause with `Processes.` stripped from field names; undefined when the search has none. */
  readonly where: Expression | undefined;
  /** Whether the event read through `get` (CIM names without prefix; undefined = null) satisfies the where clause. */
  readonly predicate: (get: FieldGetter) => boolean;
  /** Output column names of the by-fields, in order (prefix dropped when the search drops it). */
  readonly byFields: readonly string[];
  /** The CIM field each by-field reads (same order as byFields). */
  readonly bySourceFields: readonly string[];
  readonly aggregates: SearchAggregates;
  /** Aggregate columns rendered by `security_content_ctime`. */
  readonly ctimeFields: readonly string[];
  /** The trailing filter macro's name (e.g. `windows_iis_components_add_new_module_filter`), if the search has one. */
  readonly filterMacroName: string | undefined;
  /** The string a null by-field renders as; undefined = no fillnull_value, rows with a null by-field are dropped. */
  readonly fillnull: string | undefined;
  /** Every CIM field the predicate reads. */
  readonly fieldsReferenced: readonly string[];
  /** fieldsReferenced ∪ bySourceFields: all a normalizer must provide. */
  readonly fieldsNeeded: readonly string[];
  /**
   * For each positive top-level AND conjunct: the lower-cased literal runs, one per alternative, of which any matching event's
   * value contains at least one — for a raw-byte prefilter (see required-literals.ts for the caveats).
   */
  readonly requiredLiterals: readonly (readonly string[])[];
  /** The same conjuncts with the field each one constrains. */
  readonly literalConjuncts: readonly LiteralConjunct[];
}

const SUMMARIESONLY_EXPANSION: Readonly<TstatsOptions> = {
  summariesonly: 'false',
  allow_old_summaries: 'true',
  fillnull_value: 'null',
};
const OPTION_NAMES: ReadonlySet<string> = new Set(['summariesonly', 'allow_old_summaries', 'fillnull_value']);

interface MacroCall {
  name: string;
  args: string[];
}

/** `name` or `name(a, "b")` → its parts; undefined when the text is not a macro call. */
function parseMacroCall(body: string): MacroCall | undefined {
  const m = /^\s*([A-Za-z0-9_]+)\s*(?:\(([^()]*)\))?\s*$/.exec(body);
  if (m === null) return undefined;
  const name = m[1] as string;
  const args = m[2] === undefined ? [] : m[2].split(',').map((a) => a.trim().replace(/^"(.*)"$/, '$1'));
  return { name, args };
}

class SearchCompiler {
  private pos = 0;
  private readonly tokens: Token[];
  private readonly options: TstatsOptions = {};
  private readonly aggregateNames: Partial<Record<AggregateRole, string>> = {};
  private readonly aggregateOrder: AggregateRole[] = [];
  private where: Expression | undefined;
  private readonly by: Array<{ field: string; token: Token }> = [];
  private dropPrefix = false;
  private readonly ctime: string[] = [];
  private filterMacroName: string | undefined;

  constructor(private readonly spl: string) {
    this.tokens = tokenize(spl);
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    this.pos += 1;
    return token;
  }

  private fail(token: Token, hint: string, problem = 'unexpected token'): never {
    throw new SearchSyntaxError(problem, token.text, this.spl, token.offset, hint);
  }

  private isWord(token: Token, word: string, options: { caseless: boolean } = { caseless: true }): boolean {
    if (token.kind !== 'word') return false;
    return options.caseless ? token.text.toLowerCase() === word : token.text === word;
  }

  /** `Processes.f` → `f`; anything else is outside the subset. */
  readonly cimField = (token: Token): string => {
    const name = token.value;
    if (name.startsWith(OBJECT_PREFIX) && FIELD_NAME.test(name.slice(OBJECT_PREFIX.length))) {
      return name.slice(OBJECT_PREFIX.length);
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*\./.test(name)) {
      this.fail(token, `only fields of the ${PROCESSES_DATAMODEL} object (Processes.<field>) are supported`, 'unsupported field');
    }
    return this.fail(token, 'a field of the tstats where/by clause is written Processes.<field>', 'unsupported field');
  };

  compile(): void {
    if (this.peek().kind === 'pipe') this.pos += 1;
    const command = this.next();
    if (!this.isWord(command, 'tstats', { caseless: false })) this.fail(command, 'the search must start with "| tstats"');
    this.parseTstatsHead();
    this.parseFrom();
    if (this.isWord(this.peek(), 'where')) {
      this.pos += 1;
      const parsed = parseExpression(this.tokens, this.pos, { dialect: 'events', text: this.spl, field: this.cimField, stopWords: ['by'] });
      this.where = parsed.expression;
      this.pos = parsed.next;
    }
    if (this.isWord(this.peek(), 'by')) {
      this.pos += 1;
      this.parseBy();
    }
    this.parseStages();
  }

  private parseTstatsHead(): void {
    for (;;) {
      const token = this.peek();
      if (token.kind === 'macro') {
        const call = parseMacroCall(token.value);
        if (call?.name !== 'security_content_summariesonly' || call.args.length > 0) {
          this.fail(token, 'only `security_content_summariesonly` may appear among the tstats options', 'unknown macro');
        }
        Object.assign(this.options, SUMMARIESONLY_EXPANSION);
        this.pos += 1;
      } else if (token.kind === 'word' && this.peek(1).kind === 'op' && this.peek(1).text === '=') {
        if (!OPTION_NAMES.has(token.text)) {
          this.fail(token, 'supported tstats options: summariesonly, allow_old_summaries, fillnull_value', 'unsupported tstats option');
        }
        this.pos += 2;
        const value = this.next();
        if (value.kind !== 'word' && value.kind !== 'quoted') this.fail(value, 'expected an option value');
        this.options[token.text as keyof TstatsOptions] = value.value;
      } else if (this.isWord(token, 'from')) {
        this.pos += 1;
        break;
      } else if (token.kind === 'word') {
        this.parseAggregate(token);
      } else {
        this.fail(token, 'expected tstats options, aggregates or "from"');
      }
    }
    for (const role of ['count', 'firstTime', 'lastTime'] as const) {
      if (this.aggregateNames[role] === undefined) {
        const wanted = { count: 'count', firstTime: 'min(_time) as <name>', lastTime: 'max(_time) as <name>' }[role];
        this.fail(this.tokens[this.pos - 1] as Token, `the search must compute ${wanted} before "from"`, 'missing aggregate before');
      }
    }
  }

  private parseAggregate(token: Token): void {
    let role: AggregateRole;
    let name: string;
    if (token.text === 'count' && this.peek(1).kind !== 'lparen') {
      role = 'count';
      name = 'count';
      this.pos += 1;
    } else if ((token.text === 'min' || token.text === 'max') && this.peek(1).kind === 'lparen') {
      role = token.text === 'min' ? 'firstTime' : 'lastTime';
      const arg = this.peek(2);
      if (arg.kind !== 'word' || arg.text !== '_time') {
        this.fail(arg, `${token.text}() is supported over _time only`, 'unsupported aggregate argument');
      }
      const close = this.peek(3);
      if (close.kind !== 'rparen') this.fail(close, 'expected ")"');
      name = `${token.text}(_time)`;
      this.pos += 4;
    } else if (this.peek(1).kind === 'lparen' || /^[a-z_]+$/.test(token.text)) {
      return this.fail(token, 'supported aggregates: count, min(_time), max(_time)', 'unsupported aggregate');
    } else {
      return this.fail(token, 'expected tstats options, aggregates or "from"');
    }
    if (this.isWord(this.peek(), 'as')) {
      this.pos += 1;
      const alias = this.next();
      if (alias.kind !== 'word' || !FIELD_NAME.test(alias.text)) this.fail(alias, 'expected an output field name after "as"');
      name = alias.text;
    }
    if (this.aggregateNames[role] !== undefined) this.fail(token, 'each aggregate may appear once', 'duplicate aggregate');
    this.aggregateNames[role] = name;
    this.aggregateOrder.push(role);
  }

  private parseFrom(): void {
    const key = this.next();
    if (!this.isWord(key, 'datamodel', { caseless: false })) this.fail(key, 'expected datamodel=Endpoint.Processes');
    const eq = this.next();
    if (eq.kind !== 'op' || eq.text !== '=') this.fail(eq, 'expected datamodel=Endpoint.Processes');
    const model = this.next();
    if ((model.kind !== 'word' && model.kind !== 'quoted') || model.value !== PROCESSES_DATAMODEL) {
      this.fail(model, `only datamodel=${PROCESSES_DATAMODEL} is supported`, 'unsupported datamodel');
    }
  }

  private parseBy(): void {
    for (;;) {
      const token = this.peek();
      if (token.kind === 'comma' && this.by.length > 0) {
        this.pos += 1;
        continue;
      }
      if (token.kind !== 'word') break;
      const field = this.cimField(token);
      if (this.by.some((b) => b.field === field)) this.fail(token, 'each by-field may appear once', 'duplicate by-field');
      this.by.push({ field, token });
      this.pos += 1;
    }
    if (this.by.length === 0) this.fail(this.peek(), 'expected Processes.<field> after "by"');
  }

  private parseStages(): void {
    for (;;) {
      const bar = this.next();
      if (bar.kind === 'end') return;
      if (bar.kind !== 'pipe') this.fail(bar, 'expected "|" or the end of the search');
      const token = this.next();
      if (token.kind !== 'macro') {
        this.fail(token, 'only the ESCU macros may follow tstats (`drop_dm_object_name`, `security_content_ctime`, `<name>_filter`)');
      }
      if (this.filterMacroName !== undefined) this.fail(token, 'the filter macro must be the last stage');
      this.applyStageMacro(token);
      const after = this.peek();
      if (after.kind !== 'pipe' && after.kind !== 'end') this.fail(after, 'expected "|" or the end of the search');
    }
  }

  private applyStageMacro(token: Token): void {
    const call = parseMacroCall(token.value);
    if (call === undefined) return this.fail(token, 'expected `name` or `name(arguments)`', 'unknown macro');
    const [arg] = call.args;
    if (call.name === 'drop_dm_object_name' && call.args.length === 1 && arg === 'Processes') {
      this.dropPrefix = true;
    } else if (call.name === 'security_content_ctime' && call.args.length === 1 && arg !== undefined) {
      const { firstTime, lastTime } = this.aggregateNames;
      if (arg !== firstTime && arg !== lastTime) {
        const hint = `security_content_ctime applies to the min/max(_time) columns (${firstTime}, ${lastTime})`;
        this.fail(token, hint, 'unsupported macro argument');
      }
      if (!this.ctime.includes(arg)) this.ctime.push(arg);
    } else if (call.name.endsWith('_filter') && call.args.length === 0) {
      this.filterMacroName = call.name;
    } else {
      const supported = '`security_content_summariesonly`, `drop_dm_object_name(Processes)`, `security_content_ctime(<field>)`, `<name>_filter`';
      this.fail(token, `supported: ${supported}`, 'unknown macro');
    }
  }

  result(options: CompileSearchOptions): CompiledSearch {
    const sourceFields = options.byFieldsOverride === undefined ? this.by.map((b) => b.field) : overrideFields(options.byFieldsOverride);
    const byFields = sourceFields.map((f) => (this.dropPrefix ? f : `${OBJECT_PREFIX}${f}`));
    const aggregates: SearchAggregates = {
      count: this.aggregateNames.count as string,
      firstTime: this.aggregateNames.firstTime as string,
      lastTime: this.aggregateNames.lastTime as string,
      order: Object.freeze([...this.aggregateOrder]),
    };
    const clash = byFields.find((f) => f === aggregates.count || f === aggregates.firstTime || f === aggregates.lastTime);
    if (clash !== undefined) {
      const token = this.by.find((b) => b.field === clash)?.token ?? (this.tokens[0] as Token);
      this.fail(token, 'a by-field has the name of an aggregate column', 'duplicate output column');
    }
    const compiled = compilePredicate(this.where);
    const conjuncts = literalConjuncts(this.where);
    return Object.freeze({
      spl: this.spl,
      datamodel: PROCESSES_DATAMODEL,
      tstatsOptions: Object.freeze({ ...this.options }),
      where: this.where,
      predicate: (get: FieldGetter) => compiled.test(get),
      byFields: Object.freeze(byFields),
      bySourceFields: Object.freeze(sourceFields),
      aggregates: Object.freeze(aggregates),
      ctimeFields: Object.freeze([...this.ctime]),
      filterMacroName: this.filterMacroName,
      fillnull: this.options.fillnull_value,
      fieldsReferenced: compiled.fields,
      fieldsNeeded: Object.freeze([...new Set([...compiled.fields, ...sourceFields])]),
      requiredLiterals: Object.freeze(conjuncts.map((c) => Object.freeze([...c.anyOf]))),
      literalConjuncts: Object.freeze(conjuncts),
    });
  }
}

function overrideFields(list: readonly string[]): string[] {
  if (list.length === 0) throw new SearchOptionError('byFieldsOverride', 'must list at least one field');
  const fields = list.map((name) => (name.startsWith(OBJECT_PREFIX) ? name.slice(OBJECT_PREFIX.length) : name));
  for (const [i, field] of fields.entries()) {
    if (!FIELD_NAME.test(field)) throw new SearchOptionError('byFieldsOverride', `"${list[i]}" is not a Processes field name`);
    if (fields.indexOf(field) !== i) throw new SearchOptionError('byFieldsOverride', `"${list[i]}" is listed twice`);
  }
  return fields;
}

/** Compiles an ESCU Endpoint.Processes search. Throws SearchSyntaxError (token, line, column) for anything outside the subset. */
export function compileSearch(spl: string, options: CompileSearchOptions = {}): CompiledSearch {
  const compiler = new SearchCompiler(spl);
  compiler.compile();
  return compiler.result(options);
}
