/**
 * The hot path's shortcut: decide from an event's raw bytes whether it can possibly match, so only candidates are fully parsed
 * (performance-notes.md: parsing every event costs 10× the scan). The filter is derived from the compiled searches'
 * required literals and is sound — it never rejects an event the full path would match; a differential test proves it:
 * - every positive top-level conjunct `field=<pattern>` needs its literal run in the decoded value, hence in the raw bytes,
 *   unless the value was escaped: XML numeric references (`&#`), JSON `\u` escapes, or a named entity for `&<>"'`;
 * - Splunk's case-insensitive match lower-cases with Unicode rules, and two non-ASCII characters lower-case into ASCII letters
 *   (U+212A KELVIN SIGN → k, U+0130 → i + U+0307): events holding them are always candidates.
 */

/** One conjunct: the event must contain at least one of these lower-cased ASCII literals. */
export type LiteralConjunct = readonly string[];

// The filter sees bytes decoded as latin1 (one char per byte), so the two UTF-8 sequences are spelled byte by byte.
// A JSON escape is `\u` and four hex digits (lower-case u by the grammar): a bare `\u` is common in Windows paths
// (`c:\users`) and must not make every event a candidate.
const ESCAPES = /&#|\\u[0-9a-fA-F]{4}|\u00e2\u0084\u00aa|\u00c4\u00b0/;
const EVENT_ID = /<EventID(?:\s[^>]*)?>\s*(\d+)\s*</;
const JSON_EVENT_ID = /"(?:EventID|event_id)"\s*:\s*"?(\d+)/;

/** Printable ASCII without the characters an XML or JSON escape could hide (`&<>"'\\`): found verbatim in the raw bytes. */
function isPlainLiteral(literal: string): boolean {
  return literal.length > 0 && /^[\x20-\x7e]+$/.test(literal) && !/[&<>"'\\]/.test(literal);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Builds the candidate test for a set of searches: an event is a candidate when it is a candidate for any of them.
 * Returns undefined when some search has no usable literal (then every event must be parsed).
 */
export function buildCandidateFilter(
  searches: ReadonlyArray<readonly LiteralConjunct[]>,
): ((latin1: string) => boolean) | undefined {
  const perSearch: RegExp[][] = [];
  for (const conjuncts of searches) {
    const usable = conjuncts.filter((alternatives) => alternatives.length > 0 && alternatives.every(isPlainLiteral));
    if (usable.length === 0) return undefined;
    perSearch.push(usable.map((alternatives) => new RegExp(alternatives.map(escapeRegExp).join('|'), 'i')));
  }
  // One pass rejects almost every event: it must hold an escape or, for some search, its most selective conjunct (the one
  // whose shortest alternative is longest). Only events passing it get the full conjunct-by-conjunct check.
  const quick = new RegExp(
    [
      ESCAPES.source,
      ...searches.map((conjuncts) => {
        const usable = conjuncts.filter((alternatives) => alternatives.length > 0 && alternatives.every(isPlainLiteral));
        const best = usable.reduce((a, b) => (Math.min(...b.map((l) => l.length)) > Math.min(...a.map((l) => l.length)) ? b : a));
        return best.map(escapeRegExp).join('|');
      }),
    ].join('|'),
    'i',
  );
  return (latin1: string) => {
    if (!quick.test(latin1)) return false;
    if (ESCAPES.test(latin1)) return true;
    return perSearch.some((conjuncts) => conjuncts.every((re) => re.test(latin1)));
  };
}

/**
 * Whether an event the filter rejected is a process-creation event, read from its raw text, so the summary's count of
 * process events does not depend on the shortcut: EventID 1 from Sysmon, or 4688 from the Security log.
 */
export function isRawProcessCreation(latin1: string): boolean {
  const id = EVENT_ID.exec(latin1)?.[1] ?? JSON_EVENT_ID.exec(latin1)?.[1];
  if (id === '1') return /Microsoft-Windows-Sysmon/i.test(latin1);
  if (id === '4688') return /Security-Auditing|>Security<|"Security"/i.test(latin1);
  return false;
}
