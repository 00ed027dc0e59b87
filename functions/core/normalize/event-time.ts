/**
 * `_time` for XmlWinEventLog is TimeCreated/@SystemTime (UTC, 7–9 fractional digits: rule-semantics.md §3.8).
 * Date.parse keeps only milliseconds and rejects some producers' shapes, so the fraction is read by hand.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Epoch milliseconds of an ISO-8601 SystemTime, to the microsecond (Splunk's `_time` resolution); a time without zone is UTC;
 * NaN when unparseable. Digits past the microsecond are truncated, not rounded: with 100 ns digits, a float sum could round
 * 17:55:59.9999999 up to 17:56:00, and firstTime/lastTime truncate to the second.
 */
export function eventTimeMs(systemTime: string): number {
  const m = ISO.exec(systemTime.trim());
  if (m === null) return Number.NaN;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    return Number.NaN;
  }
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (frac !== undefined) ms += Number(frac.slice(0, 6).padEnd(6, '0')) / 1000;
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return ms;
}
