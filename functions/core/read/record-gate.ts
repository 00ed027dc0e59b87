/**
 * The step every text reader takes for each framed record before parsing it: count it, and let the raw-bytes prefilter rule
 * it out (counted as skipped, never parsed). One view object is refilled per record: this runs once per event on the hot path.
 */
import type { RawPrefilter, RawRecordView, WindowSearch } from './raw-event.ts';

/**
 * True when the record `window[start, end)` at absolute `offset` must be parsed. Readers pass their window search, and XML the
 * `<EventID` position (see RawRecordView).
 */
export type RecordGate = (window: Uint8Array, start: number, end: number, offset: number, search?: WindowSearch, eventIdAt?: number) => boolean;

/** The gate for a reader's prefilter and counters. */
export function recordGate(prefilter: RawPrefilter | undefined, stats: { events: number; skipped: number }): RecordGate {
  if (prefilter === undefined) {
    return () => {
      stats.events += 1;
      return true;
    };
  }
  const view: RawRecordView = { window: new Uint8Array(0), start: 0, end: 0, offset: 0, search: undefined, eventIdAt: undefined };
  return (window, start, end, offset, search, eventIdAt) => {
    stats.events += 1;
    view.window = window;
    view.start = start;
    view.end = end;
    view.offset = offset;
    view.eventIdAt = eventIdAt;
    view.search = search;
    if (prefilter(view)) return true;
    stats.skipped += 1;
    return false;
  };
}
