/**
 * The hot path's shortcut: decide from an event's raw bytes whether it can possibly match, so only candidates are fully parsed
 * (performance-notes.md: parsing every event costs 10× the scan). The filter is derived from the compiled searches'
 * required literals and is sound — it never rejects an event the full path would match; a differential test proves it:
 * - every positive top-level conjunct `field=<pattern>` needs its literal run in the decoded value, hence in the raw bytes,
 *   unless the value was escaped: XML numeric references (`&#`), JSON `\uXXXX` escapes, or a named entity for `&<>"'`
 *   (literals holding those characters are not used);
 * - Splunk's case-insensitive match lower-cases with Unicode rules, and two non-ASCII characters lower-case into ASCII letters
 *   (U+212A KELVIN SIGN → k, U+0130 → i + U+0307): events holding them are always candidates.
 * Work is done once per reader window (about 1 MiB), not per event: one regular-expression pass over the window finds every
 * position where a literal, an escape or a process-creation EventID occurs; each event then only looks up its byte range.
 */
import { Buffer } from 'node:buffer';
import type { RawRecordView } from './read/raw-event.ts';

/** One conjunct: the event must contain at least one of these lower-cased literals. */
export type LiteralConjunct = readonly string[];

/** What the raw bytes say about an event. */
export type Triage = 'candidate' | 'process' | 'other';

// Sources of the patterns; the window is decoded as latin1 (one char per byte), so UTF-8 sequences are spelled byte by byte.
// A JSON escape is `\u` and four hex digits: a bare `\u` is common in Windows paths (`c:\users`).
const ESCAPES = '&#|\\\\u[0-9a-fA-F]{4}|\\u00e2\\u0084\\u00aa|\\u00c4\\u00b0';
const XML_EVENT_ID = '<EventID(?:\\s[^>]*)?>\\s*(1|4688)\\s*<';
const JSON_EVENT_ID = '"(?:EventID|event_id)"\\s*:\\s*"?(1|4688)(?![0-9])';

const HIT = 0;
const EID_1 = 1;
const EID_4688 = 2;

const SYSMON = [Buffer.from('Microsoft-Windows-Sysmon', 'latin1'), Buffer.from('microsoft-windows-sysmon', 'latin1')];
const SECURITY = [Buffer.from('Security-Auditing', 'latin1'), Buffer.from('>Security<', 'latin1'), Buffer.from('"Security"', 'latin1')];

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

/** Decides, from raw bytes, which events must be parsed. */
export class CandidateFilter {
  readonly #window: RegExp;
  readonly #escapes = new RegExp(ESCAPES);
  readonly #searches: RegExp[][];
  #seen: Uint8Array | undefined;
  #positions: number[] = [];
  #kinds: number[] = [];
  #next = 0;
  #lastStart = -1;

  private constructor(window: RegExp, searches: RegExp[][]) {
    this.#window = window;
    this.#searches = searches;
  }

  /**
   * The filter for a set of searches (an event is a candidate when it is one for any of them), or undefined when some search
   * has no usable literal: then every event must be parsed.
   */
  static build(searches: ReadonlyArray<readonly LiteralConjunct[]>): CandidateFilter | undefined {
    const perSearch: RegExp[][] = [];
    const quick: string[] = [];
    for (const conjuncts of searches) {
      const usable = usableConjuncts(conjuncts);
      if (usable.length === 0) return undefined;
      perSearch.push(usable.map((alternatives) => new RegExp(alternatives.map(escapeRegExp).join('|'), 'i')));
      // The window pass looks for the most selective conjunct: the one whose shortest alternative is longest.
      const best = usable.reduce((a, b) => (shortest(b) > shortest(a) ? b : a));
      quick.push(best.map(escapeRegExp).join('|'));
    }
    const window = new RegExp(`(${[ESCAPES, ...quick].join('|')})|${XML_EVENT_ID}|${JSON_EVENT_ID}`, 'gi');
    return new CandidateFilter(window, perSearch);
  }

  /** Candidate (parse it), process (a process-creation event that cannot match) or other. Views of a window come in order. */
  classify(view: Readonly<RawRecordView>): Triage {
    const { window, start, end } = view;
    // A new window, or the same object seen again from an earlier start (refilled): scan it.
    if (window !== this.#seen || start < this.#lastStart) this.#scanWindow(window);
    this.#lastStart = start;
    while (this.#next < this.#positions.length && (this.#positions[this.#next] as number) < start) this.#next += 1;
    let eventId = -1;
    let hit = false;
    for (let i = this.#next; i < this.#positions.length && (this.#positions[i] as number) < end; i += 1) {
      const kind = this.#kinds[i] as number;
      if (kind === HIT) hit = true;
      else if (eventId < 0) eventId = kind;
    }
    const bytes = Buffer.from(window.buffer, window.byteOffset + start, end - start);
    if (hit && this.#candidate(bytes.toString('latin1'))) return 'candidate';
    if (eventId === EID_1 && SYSMON.some((needle) => bytes.includes(needle))) return 'process';
    if (eventId === EID_4688 && SECURITY.some((needle) => bytes.includes(needle))) return 'process';
    return 'other';
  }

  #candidate(latin1: string): boolean {
    if (this.#escapes.test(latin1)) return true;
    return this.#searches.some((conjuncts) => conjuncts.every((re) => re.test(latin1)));
  }

  #scanWindow(window: Uint8Array): void {
    this.#seen = window;
    this.#positions = [];
    this.#kinds = [];
    this.#next = 0;
    const text = Buffer.from(window.buffer, window.byteOffset, window.byteLength).toString('latin1');
    const re = this.#window;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      this.#positions.push(m.index);
      this.#kinds.push(m[1] !== undefined ? HIT : (m[2] ?? m[3]) === '1' ? EID_1 : EID_4688);
      if (m[0].length === 0) re.lastIndex += 1;
    }
  }
}
