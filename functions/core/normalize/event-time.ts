/**
 * `_time` for XmlWinEventLog is TimeCreated/@SystemTime (UTC, 7–9 fractional digits: rule-semantics.md §3.8).
 * Date.parse keeps only milliseconds and rejects some producers' shapes, so the fraction is read by hand.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/** Epoch milliseconds (fraction kept) of an ISO-8601 SystemTime; a time without zone is UTC; NaN when unparseable. */
export function eventTimeMs(systemTime: string): number {
  const m = ISO.exec(systemTime.trim());
  if (m === null) return Number.NaN;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (frac !== undefined) ms += Number(`0.${frac}`) * 1000;
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return ms;
}
