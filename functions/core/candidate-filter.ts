/**
 * The hot path's shortcut: decide from an event's raw bytes whether it can possibly match, so only candidates are fully parsed
 * (performance-notes.md: parsing every event costs 10× the scan). The filter is derived from the compiled searches'
 * required literals and is sound — it never rejects an event the full path would match; a differential test proves it:
 * - every positive top-level conjunct `field=<pattern>` needs its literal run in the decoded value, hence in the raw bytes,
 *   unless the value was escaped: XML numeric references (`&#`), JSON `\uXXXX` escapes, or a named entity for `&<>"'`
 *   (literals holding those characters are not used);
 * - Splunk's case-insensitive match lower-cases with Unicode rules, and two non-ASCII characters lower-case into ASCII letters
 *   (U+212A KELVIN SIGN → k, U+0130 → i + U+0307): events holding them are always candidates.
 * Work is done once per reader window (about 1 MiB), not per event: one regular-expression pass and a few Buffer.indexOf
 * passes find every position where a literal or an escape starts; each event then only looks up its byte range.
 *
 * XML events come with the window's latin1 text and the position of their `<EventID` tag (found by the framer's own search),
 * so the order is turned round there: only a process-creation event (EventID 1 with the Sysmon provider, 4688 with the
 * Security one) can reach the Endpoint.Processes data model, so the EventID is read first and the literals are searched in
 * those events only (a fifth of a typical Sysmon log) — the bytes of every other event are never looked at again. Anything
 * the raw bytes cannot settle (no single clean `<EventID>n</EventID>`, an escape) is a candidate and the parser decides.
 */
import { Buffer } from 'node:buffer';
import type { RawRecordView } from './read/raw-event.ts';

/** One conjunct: the event must contain at least one of these lower-cased literals. */
export type LiteralConjunct = readonly string[];

/** What the raw bytes say about an event. */
export type Triage = 'candidate' | 'process' | 'other';

// Escapes that can hide a literal from a byte search, found with Buffer.indexOf (SIMD-fast, unlike a regex alternation):
// XML numeric references, JSON `\uXXXX` (checked for four hex digits: a bare `\u` is common in `c:\users`), and the
// UTF-8 bytes of U+212A and U+0130.
const REF = Buffer.from('&#', 'latin1');
const JSON_ESCAPE = Buffer.from('\\u', 'latin1');
const FOLDING = [Buffer.from('\u212a', 'utf8'), Buffer.from('\u0130', 'utf8')];
const ESCAPES = /&#|\\u[0-9a-fA-F]{4}|\u00e2\u0084\u00aa|\u00c4\u00b0/;

const XML_EVENT_ID = Buffer.from('<EventID', 'latin1');
const JSON_EVENT_IDS = [Buffer.from('"EventID"', 'latin1'), Buffer.from('"event_id"', 'latin1')];

const SYSMON = [Buffer.from('Microsoft-Windows-Sysmon', 'latin1'), Buffer.from('microsoft-windows-sysmon', 'latin1')];
/** What process-event.ts accepts, loosened to a search: the provider or channel names it compares (lower-cased) must be there. */
const SYSMON_XML = /microsoft-windows-sysmon/i;
const SECURITY_XML = /microsoft-windows-security-auditing|>\s*security\s*</i;
/** XML escapes that can hide a literal or an EventID: numeric references and the two folding characters (UTF-8). */
const XML_ESCAPES = [REF, ...FOLDING];
const SECURITY = [Buffer.from('Security-Auditing', 'latin1'), Buffer.from('>Security<', 'latin1'), Buffer.from('"Security"', 'latin1')];

function isHex(byte: number | undefined): boolean {
  return byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66));
}

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** The EventID number of a raw XML or JSON event (`<EventID …>1<`, `"EventID": 1`, `"event_id":"1"`), or -1. */
export function rawEventId(bytes: Buffer): number {
  let at = bytes.indexOf(XML_EVENT_ID);
  if (at >= 0) {
    at = bytes.indexOf(0x3e, at + XML_EVENT_ID.length);
    if (at < 0) return -1;
    at += 1;
  } else {
    const key = JSON_EVENT_IDS.map((needle) => [bytes.indexOf(needle), needle.length] as const).find(([i]) => i >= 0);
    if (key === undefined) return -1;
    at = key[0] + key[1];
    while (isSpace(bytes[at])) at += 1;
    if (bytes[at] !== 0x3a) return -1;
    at += 1;
    while (isSpace(bytes[at])) at += 1;
    if (bytes[at] === 0x22) at += 1;
  }
  while (isSpace(bytes[at])) at += 1;
  let value = 0;
  let digits = 0;
  for (let b = bytes[at]; b !== undefined && b >= 0x30 && b <= 0x39 && digits < 6; b = bytes[++at]) {
    value = value * 10 + (b - 0x30);
    digits += 1;
  }
  return digits === 0 ? -1 : value;
}

/**
 * The number in `<EventID …>n</EventID>` whose tag starts at `at` in the latin1 `text` of an event ending at `end`, or -1 when
 * the element is anything but whitespace-padded digits closed by an end tag (a comment, CDATA, a reference, a child).
 */
function xmlEventId(text: string, at: number, end: number): number {
  let i = text.indexOf('>', at + XML_EVENT_ID.length);
  if (i < 0 || i >= end || text.charCodeAt(i - 1) === 0x2f) return -1;
  i += 1;
  while (isSpace(text.charCodeAt(i))) i += 1;
  let value = 0;
  const first = i;
  for (let c = text.charCodeAt(i); c >= 0x30 && c <= 0x39 && i - first < 6; c = text.charCodeAt(++i)) value = value * 10 + (c - 0x30);
  if (i === first) return -1;
  while (isSpace(text.charCodeAt(i))) i += 1;
  return text.charCodeAt(i) === 0x3c && text.charCodeAt(i + 1) === 0x2f ? value : -1;
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

/** Decides, from raw bytes, which events must be parsed. */
export class CandidateFilter {
  readonly #window: RegExp;
  readonly #searches: RegExp[][];
  #seen: Uint8Array | undefined;
  #positions: number[] = [];
  #next = 0;
  #lastStart = -1;
  /** XML: positions of escapes in the window last seen, and the cursor into them. */
  #xmlSeen: Uint8Array | undefined;
  #xmlEscapes: number[] = [];
  #xmlNext = 0;
  #xmlLastStart = -1;

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
    const window = new RegExp(quick.join('|'), 'gi');
    return new CandidateFilter(window, perSearch);
  }

  /** Candidate (parse it), process (a process-creation event that cannot match) or other. Views of a window come in order. */
  classify(view: Readonly<RawRecordView>): Triage {
    if (view.text !== undefined && view.eventIdAt !== undefined) return this.#classifyXml(view, view.text, view.eventIdAt);
    const { window, start, end } = view;
    // A new window, or the same object seen again from an earlier start (refilled): scan it.
    if (window !== this.#seen || start < this.#lastStart) this.#scanWindow(window);
    this.#lastStart = start;
    while (this.#next < this.#positions.length && (this.#positions[this.#next] as number) < start) this.#next += 1;
    const hit = this.#next < this.#positions.length && (this.#positions[this.#next] as number) < end;
    const bytes = Buffer.from(window.buffer, window.byteOffset + start, end - start);
    if (hit && this.#candidate(bytes.toString('latin1'))) return 'candidate';
    const id = rawEventId(bytes);
    if (id === 1 && SYSMON.some((needle) => bytes.includes(needle))) return 'process';
    if (id === 4688 && SECURITY.some((needle) => bytes.includes(needle))) return 'process';
    return 'other';
  }

  #classifyXml(view: Readonly<RawRecordView>, text: string, eventIdAt: number): Triage {
    const { window, start, end } = view;
    if (window !== this.#xmlSeen || start < this.#xmlLastStart) this.#scanXmlWindow(window);
    this.#xmlLastStart = start;
    const escapes = this.#xmlEscapes;
    while (this.#xmlNext < escapes.length && (escapes[this.#xmlNext] as number) < start) this.#xmlNext += 1;
    if (this.#xmlNext < escapes.length && (escapes[this.#xmlNext] as number) < end) return 'candidate';
    if (eventIdAt < 0) return 'candidate';
    const id = xmlEventId(text, eventIdAt, end);
    if (id < 0) return 'candidate';
    if (id !== 1 && id !== 4688) return 'other';
    // A sliced string shares the window's characters: no copy.
    const event = text.slice(start, end);
    if (!(id === 1 ? SYSMON_XML : SECURITY_XML).test(event)) return 'other';
    return this.#searches.some((conjuncts) => conjuncts.every((re) => re.test(event))) ? 'candidate' : 'process';
  }

  /** Every position in an XML window where an escape starts, ascending (rare: one native search each finds them). */
  #scanXmlWindow(window: Uint8Array): void {
    this.#xmlSeen = window;
    this.#xmlNext = 0;
    const bytes = Buffer.from(window.buffer, window.byteOffset, window.byteLength);
    const positions: number[] = [];
    for (const needle of XML_ESCAPES) for (let i = bytes.indexOf(needle); i >= 0; i = bytes.indexOf(needle, i + 1)) positions.push(i);
    this.#xmlEscapes = positions.sort((a, b) => a - b);
  }

  #candidate(latin1: string): boolean {
    if (ESCAPES.test(latin1)) return true;
    return this.#searches.some((conjuncts) => conjuncts.every((re) => re.test(latin1)));
  }

  /** Every position in the window where a quick literal or an escape starts, ascending. */
  #scanWindow(window: Uint8Array): void {
    this.#seen = window;
    this.#next = 0;
    const bytes = Buffer.from(window.buffer, window.byteOffset, window.byteLength);
    const positions: number[] = [];
    const re = this.#window;
    re.lastIndex = 0;
    const text = bytes.toString('latin1');
    for (let m = re.exec(text); m !== null; m = re.exec(text)) positions.push(m.index);
    for (let i = bytes.indexOf(REF); i >= 0; i = bytes.indexOf(REF, i + 1)) positions.push(i);
    for (let i = bytes.indexOf(JSON_ESCAPE); i >= 0; i = bytes.indexOf(JSON_ESCAPE, i + 1)) {
      if (isHex(bytes[i + 2]) && isHex(bytes[i + 3]) && isHex(bytes[i + 4]) && isHex(bytes[i + 5])) positions.push(i);
    }
    for (const needle of FOLDING) for (let i = bytes.indexOf(needle); i >= 0; i = bytes.indexOf(needle, i + 1)) positions.push(i);
    this.#positions = positions.sort((a, b) => a - b);
  }
}
