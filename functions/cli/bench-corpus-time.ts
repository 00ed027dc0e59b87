/**
 * ISO-8601 text of the corpus's event times. Consecutive events fall in the same second (0–39 ms apart), so the
 * `YYYY-MM-DDTHH:MM:SS` part is rendered once per second: Date#toISOString was a tenth of the generation time.
 */

let cachedSecond = Number.NaN;
let cachedText = '';

/** `YYYY-MM-DDTHH:MM:SS.mmm` (UTC) of an epoch-millisecond time. */
export function isoMillis(timeMs: number): string {
  const second = Math.floor(timeMs / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedText = new Date(second * 1000).toISOString().slice(0, 19);
  }
  const ms = timeMs - second * 1000;
  return `${cachedText}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}`;
}
