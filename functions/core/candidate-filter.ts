/**
 * The hot path's shortcut: decide from an event's raw bytes whether it can possibly match, so only candidates are fully parsed
 * (performance-notes.md: parsing every event costs 10× the scan). The filter is derived from the compiled searches'
 * required literals and is sound — it never rejects an event the full path would match; a differential test proves it:
 * - every positive top-level conjunct `field=<pattern>` needs its literal run in the decoded value, hence in the raw bytes,
 *   unless the value was escaped: XML numeric references (`&#`), JSON `\uXXXX` escapes, or a named entity for `&<>"'`
 *   (literals holding those characters are not used);
 * - Splunk's case-insensitive match lower-cases with Unicode rules, and two non-ASCII characters lower-case into ASCII letters
 *   (U+212A KELVIN SIGN → k, U+0130 → i + U+0307): where a literal holds `i` or `k`, events holding them are candidates.
 * Readers hand over a search over their window (WindowSearch: the scan kernel's copy of it, searched with WebAssembly SIMD),
 * so asking about an event allocates nothing and costs no call per byte.
 *
 * JSON is literal first: one kernel pass per window finds the quick literal and the escapes that could spell it; a record
 * without either is ruled out, and only has its EventID read, to count process events.
 *
 * XML is EventID first. Events come with the position of their one `<EventID` tag (found by the framer's own search), and
 * only a process-creation event (EventID 1 with the Sysmon provider, 4688 with the Security one) can reach the
 * Endpoint.Processes data model; so the EventID is read, and references and literals are searched in process events only
 * (a fifth of a typical Sysmon log): the bytes of every other event are never looked at again. Anything the raw bytes
 * cannot settle (no single `<EventID>` of whitespace-padded digits) is a candidate and the parser decides.
 */
import { Buffer } from 'node:buffer';
import { LoadedWindow } from './kernel/loaded-window.ts';
import type { SearchPattern } from './kernel/scan-kernel.ts';
import type { RawRecordView, WindowSearch, XmlTriageRules } from './read/raw-event.ts';
import { PROCESS_EVENT_IDS } from './normalize/process-event.ts';
import { XML_EVENT_ID_TAG, xmlEventId } from './read/xml-event-id.ts';

/** One conjunct: the event must contain at least one of these lower-cased literals. */
export type LiteralConjunct = readonly string[];

/** What the raw bytes say about an event. */
export type Triage = 'candidate' | 'process' | 'other';

// Escapes that can hide a literal from a text search: XML numeric references, JSON `\uXXXX` (checked for four hex digits: a
// bare `\u` is common in `c:\users`), and the UTF-8 bytes of U+212A and U+0130 (seen through latin1).
const REF = '&#';
/** A JSON escape that can spell an ASCII character, `\u00XX` (the two hex digits are checked after the search). */
const JSON_ASCII_ESCAPE: SearchPattern = { literal: '\\u00', fold: false };
/** JSON escapes of the two folding characters (folded: `\u212a` or `\u212A`; a `\U` it also finds only makes a candidate). */
const JSON_FOLDING_ESCAPES: SearchPattern[] = [
  { literal: '\\u212a', fold: true },
  { literal: '\\u0130', fold: false },
];
const FOLDING = ['\u00e2\u0084\u00aa', '\u00c4\u00b0'];
/** The letters the folding characters lower-case into (in a literal's regular-expression source). */
const FOLDED_LETTERS = /[ik]/i;
const ESCAPES = /&#|\\u[0-9a-fA-F]{4}|\u00e2\u0084\u00aa|\u00c4\u00b0/;

const JSON_EVENT_IDS = ['"EventID"', '"event_id"'];

/** What process-event.ts accepts, loosened to a search: the provider or channel names it compares (lower-cased) must be there. */
const SYSMON_PROVIDER = 'microsoft-windows-sysmon';
const SYSMON = new RegExp(SYSMON_PROVIDER, 'i');
const SECURITY = /microsoft-windows-security-auditing|>\s*security\s*<|"\s*security\s*"/i;

function isHexCode(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x66);
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** The value of up to six digits at `i` of `bytes` (before `end`), or -1 when there are none. */
function digitsAt(bytes: Uint8Array, i: number, end: number): number {
  let value = 0;
  let digits = 0;
  for (; i < end && digits < 6; i += 1, digits += 1) {
    const c = bytes[i] as number;
    if (c < 0x30 || c > 0x39) break;
    value = value * 10 + (c - 0x30);
  }
  return digits === 0 ? -1 : value;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Where the first `"EventID"` (else `"event_id"`) key in [start, end) of a JSON window ends, or -1. The search starts at the
 * key's third character, `v`: a needle starting with `"` would stop at every quote of the record.
 */
function jsonEventIdKeyEnd(bytes: Buffer, start: number, end: number): number {
  for (const key of JSON_EVENT_IDS) {
    const tail = key.slice(2);
    for (let k = bytes.indexOf(tail, start + 2, 'latin1'); k >= 0 && k + tail.length <= end; k = bytes.indexOf(tail, k + 1, 'latin1')) {
      if (bytes[k - 2] === 0x22 && bytes[k - 1] === key.charCodeAt(1)) return k + tail.length;
    }
  }
  return -1;
}

/** The EventID number of the JSON record [start, end) (`"EventID": 1`, `"event_id":"1"`, the first key found), or -1. */
function jsonEventId(bytes: Buffer, start: number, end: number): number {
  return jsonEventIdAfterKey(bytes, jsonEventIdKeyEnd(bytes, start, end), end);
}

/** The EventID number after a key that ends at `at` (`: 1`, `:"1"`), reading no further than `end`, or -1. */
function jsonEventIdAfterKey(bytes: Uint8Array, at: number, end: number): number {
  if (at < 0) return -1;
  while (at < end && isSpace(bytes[at] as number)) at += 1;
  if (bytes[at] !== 0x3a) return -1;
  at += 1;
  while (at < end && isSpace(bytes[at] as number)) at += 1;
  if (bytes[at] === 0x22) at += 1;
  while (at < end && isSpace(bytes[at] as number)) at += 1;
  return digitsAt(bytes, at, end);
}

/** The EventID number of a raw XML or JSON event (`<EventID …>1<`, `"EventID": 1`, `"event_id":"1"`), or -1. */
export function rawEventId(raw: Uint8Array): number {
  const bytes = asBuffer(raw);
  let at = bytes.indexOf(XML_EVENT_ID_TAG, 0, 'latin1');
  if (at < 0) return jsonEventId(bytes, 0, bytes.length);
  at = bytes.indexOf(0x3e, at + XML_EVENT_ID_TAG.length) + 1;
  if (at === 0) return -1;
  while (at < bytes.length && isSpace(bytes[at] as number)) at += 1;
  return digitsAt(bytes, at, bytes.length);
}


/** Printable ASCII without the characters an XML or JSON escape could hide (`&<>"'\`): found verbatim in the raw bytes. */
function isPlainLiteral(literal: string): boolean {
  return literal.length > 0 && /^[\x20-\x7e]+$/.test(literal) && !/[&<>"'\\]/.test(literal);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function usableConjuncts(conjuncts: readonly LiteralConjunct[]): LiteralConjunct[] {
  return conjuncts.filter((alternatives) => alternatives.length > 0 && alternatives.every(isPlainLiteral));
}

function shortest(alternatives: LiteralConjunct): number {
  return Math.min(...alternatives.map((l) => l.length));
}

/**
 * Whether a process event without numeric references may match a search. A conjunct whose literals hold neither `i` nor `k`
 * cannot be completed by a folding character, so its absence settles it; the others are trusted only when the event holds no
 * folding character (the common case: a Sysmon log holds none, and the literal-free conjuncts fail first).
 */
function xmlMayMatch(
  conjuncts: { foldSafe: LiteralConjunct[]; foldRisky: LiteralConjunct[] },
  search: WindowSearch,
  start: number,
  end: number,
): boolean {
  const holds = (alternatives: LiteralConjunct): boolean => alternatives.some((literal) => search.find(literal, true, start, end) >= 0);
  if (!conjuncts.foldSafe.every(holds)) return false;
  if (conjuncts.foldRisky.length > 0 && FOLDING.some((needle) => search.find(needle, false, start, end) >= 0)) return true;
  return conjuncts.foldRisky.every(holds);
}

/** Ascending positions of interest in one window, and a cursor that moves forward with the records of that window. */
class WindowPositions {
  window: Uint8Array | undefined;
  positions: number[] = [];
  next = 0;
  lastStart = -1;

  /** True when the window must be scanned: a new one, or the same object seen again from an earlier start (refilled). */
  stale(window: Uint8Array, start: number): boolean {
    const stale = window !== this.window || start < this.lastStart;
    this.lastStart = start;
    return stale;
  }

  reset(window: Uint8Array, positions: number[]): void {
    this.window = window;
    this.positions = positions.sort((a, b) => a - b);
    this.next = 0;
  }

  /** Whether a position lies in [start, end); records come in order, so the cursor only moves forward. */
  within(start: number, end: number): boolean {
    const positions = this.positions;
    while (this.next < positions.length && (positions[this.next] as number) < start) this.next += 1;
    return this.next < positions.length && (positions[this.next] as number) < end;
  }
}

/** Decides, from raw bytes, which events must be parsed. */
export class CandidateFilter {
  /** JSON: what a window is searched for, in one kernel pass: the quick literals and the escapes that could spell them. */
  readonly #jsonPatterns: readonly SearchPattern[];
  /** Whether a quick literal holds `i` or `k`, the letters the two folding characters lower-case into. */
  readonly #folds: boolean;
  readonly #searches: RegExp[][];
  /** Per search, its conjuncts split by whether a folding character could spell part of a literal (one holds `i` or `k`). */
  readonly #xmlSearches: Array<{ foldSafe: LiteralConjunct[]; foldRisky: LiteralConjunct[] }>;
  readonly #json = new WindowPositions();
  /** JSON: the next `"EventID"` / `"event_id"` key in the current window, by start index (see #keyEndIn). */
  readonly #keyAt: number[] = JSON_EVENT_IDS.map(() => -1);
  /** The kernel copy made for a view that came without a search (callers other than the readers). */
  #ownSearch: LoadedWindow | undefined;

  private constructor(quick: string[], searches: RegExp[][], literals: LiteralConjunct[][], folds: boolean) {
    const literal = (l: string): SearchPattern => ({ literal: l, fold: true });
    this.#jsonPatterns = [
      ...quick.map(literal),
      { literal: REF, fold: false },
      JSON_ASCII_ESCAPE,
      ...(folds ? [...FOLDING.map((l) => ({ literal: l, fold: false })), ...JSON_FOLDING_ESCAPES] : []),
    ];
    this.#folds = folds;
    this.#searches = searches;
    this.#xmlSearches = literals.map((conjuncts) => ({
      foldSafe: conjuncts.filter((alternatives) => !alternatives.some((l) => FOLDED_LETTERS.test(l))),
      foldRisky: conjuncts.filter((alternatives) => alternatives.some((l) => FOLDED_LETTERS.test(l))),
    }));
  }

  /**
   * The filter for a set of searches (an event is a candidate when it is one for any of them), or undefined when some search
   * has no usable literal: then every event must be parsed.
   */
  static build(searches: ReadonlyArray<readonly LiteralConjunct[]>): CandidateFilter | undefined {
    const perSearch: RegExp[][] = [];
    const perSearchLiterals: LiteralConjunct[][] = [];
    const quick: string[] = [];
    for (const conjuncts of searches) {
      const usable = usableConjuncts(conjuncts);
      if (usable.length === 0) return undefined;
      // Most events fail the first conjunct tested, after a search through all their text: the longest literal first, as
      // its search skips furthest.
      const ordered = [...usable].sort((a, b) => shortest(b) - shortest(a));
      perSearch.push(ordered.map((alternatives) => new RegExp(alternatives.map(escapeRegExp).join('|'), 'i')));
      perSearchLiterals.push(ordered);
      // The window pass looks for the most selective conjunct: the one whose shortest alternative is longest.
      const best = usable.reduce((a, b) => (shortest(b) > shortest(a) ? b : a));
      quick.push(...best);
    }
    return new CandidateFilter([...new Set(quick)], perSearch, perSearchLiterals, /[ik]/i.test(quick.join('')));
  }

  /**
   * The rules by which a reader may settle XML events without asking (RawPrefilter.xmlTriage), deciding as classify does:
   * Sysmon's EventID 1 by its provider name, and per search its first fold-safe conjunct (a search without one gives no rules:
   * a folding character could spell its literals, which only the full check looks for).
   */
  xmlTriageRules(): XmlTriageRules | undefined {
    const anyOf: string[] = [];
    for (const { foldSafe } of this.#xmlSearches) {
      const conjunct = foldSafe[0];
      if (conjunct === undefined) return undefined;
      anyOf.push(...conjunct);
    }
    return { providers: [{ eventId: 1, literal: SYSMON_PROVIDER }], anyOf: [...new Set(anyOf)] };
  }

  /** Candidate (parse it), process (a process-creation event that cannot match) or other. Views of a window come in order. */
  classify(view: Readonly<RawRecordView>): Triage {
    if (view.search !== undefined) {
      return view.eventIdAt === undefined ? this.#classifyJson(view, view.search) : this.#classifyXml(view, view.search, view.eventIdAt);
    }
    // A caller other than the readers: build what they would have handed over.
    this.#ownSearch ??= new LoadedWindow();
    const search = this.#ownSearch.bind(view.window, view.start);
    if (view.window[view.start] !== 0x3c) return this.#classifyJson(view, search);
    const first = search.find(XML_EVENT_ID_TAG, false, view.start, view.end);
    const second = first < 0 ? -1 : search.find(XML_EVENT_ID_TAG, false, first + 1, view.end);
    return this.#classifyXml(view, search, first < 0 || second >= 0 ? -1 : first);
  }

  /**
   * Literal first: a record holding the quick literal (or an escape) is checked whole; any other only has its EventID read,
   * from kernel searches that go forward through the window (no allocation unless it is EventID 4688).
   */
  #classifyJson(view: Readonly<RawRecordView>, search: WindowSearch): Triage {
    const { window, start, end } = view;
    if (this.#json.stale(window, start)) {
      this.#json.reset(window, this.#jsonPositions(search, window));
      this.#keyAt.fill(-1);
    }
    if (this.#json.within(start, end)) {
      const bytes = asBuffer(window);
      const record = bytes.toString('latin1', start, end);
      if (this.#candidate(record)) return 'candidate';
      return this.#jsonProcessKind(jsonEventId(bytes, start, end), search, view);
    }
    return this.#jsonProcessKind(jsonEventIdAfterKey(window, this.#keyEndIn(search, window.length, start, end), end), search, view);
  }

  /** #processKind for a JSON record, reading the Sysmon provider with the kernel (no string unless it is EventID 4688). */
  #jsonProcessKind(id: number, search: WindowSearch, view: Readonly<RawRecordView>): Triage {
    if (id === 1) return search.find(SYSMON_PROVIDER, true, view.start, view.end) >= 0 ? 'process' : 'other';
    if (id !== 4688) return 'other';
    return this.#processKind(id, asBuffer(view.window).toString('latin1', view.start, view.end));
  }

  /**
   * Where the first `"EventID"` key in [start, end) of the window ends, else the first `"event_id"` — as jsonEventIdKeyEnd
   * on the record alone. Each key's next occurrence is remembered (-1: not searched yet, Infinity: none left in the window).
   */
  #keyEndIn(search: WindowSearch, length: number, start: number, end: number): number {
    for (let k = 0; k < JSON_EVENT_IDS.length; k += 1) {
      const key = JSON_EVENT_IDS[k] as string;
      let at = this.#keyAt[k] as number;
      if (at < start) {
        const found = search.find(key, false, start, length);
        at = found < 0 ? Number.POSITIVE_INFINITY : found;
        this.#keyAt[k] = at;
      }
      if (at + key.length <= end) return at + key.length;
    }
    return -1;
  }

  /** EventID first (see the file comment); the literals are searched only in process-creation events. */
  #classifyXml(view: Readonly<RawRecordView>, search: WindowSearch, eventIdAt: number): Triage {
    if (eventIdAt < 0) return 'candidate';
    const { window, start, end } = view;
    // Read clean (whitespace-padded digits), the one EventID is what the parser reads: no reference hides a digit, and a
    // tag name cannot hold one. So escapes only matter inside process events, where they could hide the provider or a literal.
    const id = xmlEventId(window, eventIdAt, end);
    if (id < 0) return 'candidate';
    // An XML event whose one clean EventID is not a process one is 'other' whatever else it holds: the XML reader may count
    // such events without asking (RawPrefilter.onlyEventIds).
    if (!PROCESS_EVENT_IDS.has(id)) return 'other';
    if (search.find(REF, false, start, end) >= 0) return 'candidate';
    const kind =
      id === 1
        ? search.find(SYSMON_PROVIDER, true, start, end) >= 0
          ? 'process'
          : 'other'
        : this.#processKind(id, asBuffer(window).toString('latin1', start, end));
    return kind === 'process' && this.#xmlSearches.some((conjuncts) => xmlMayMatch(conjuncts, search, start, end)) ? 'candidate' : kind;
  }

  /** 'process' when the EventID and the provider or channel can make this a process-creation event, else 'other'. */
  #processKind(id: number, event: string): Triage {
    if (id === 1) return SYSMON.test(event) ? 'process' : 'other';
    if (id === 4688) return SECURITY.test(event) ? 'process' : 'other';
    return 'other';
  }

  #candidate(record: string): boolean {
    if (ESCAPES.test(record)) return true;
    return this.#searches.some((conjuncts) => conjuncts.every((re) => re.test(record)));
  }

  /**
   * Every position in a JSON window where a quick literal or an escape starts, in one kernel pass (sorted by reset). Only a record without the
   * quick literal is ruled out, so only escapes that could spell one of its characters matter: `\u00XX` for ASCII (hex digits
   * checked here), and the folding characters (raw or escaped) when a quick literal holds `i` or `k` (see the constructor).
   */
  #jsonPositions(search: WindowSearch, window: Uint8Array): number[] {
    const positions: number[] = [];
    const patterns = this.#jsonPatterns;
    search.findAll(patterns, 0, window.length, (at, which) => {
      if (patterns[which] !== JSON_ASCII_ESCAPE || (isHexCode(window[at + 4] as number) && isHexCode(window[at + 5] as number))) positions.push(at);
    });
    return positions;
  }
}
