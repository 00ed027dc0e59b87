/**
 * The XML framer's common case, in bulk: complete events one after another, only whitespace between them, taken from the tag
 * marks (xml-tag-marks.ts) — by the scan kernel where it can (scan-kernel.wat xmlRun), one event at a time here where the
 * kernel stops short.
 */
import { xmlEventId } from './xml-event-id.ts';
import { END_TAG, isSpace, type FrameSink } from './xml-frame-sink.ts';
import type { ScanWindow } from './xml-scan-window.ts';
import type { TagMarks } from './xml-tag-marks.ts';
import type { TagKind } from '../kernel/scan-kernel.ts';

/**
 * Takes the run from the window's position (`w.pos`, moved past what it took), events up to `max` bytes long. It leaves
 * everything else where it stands for the framer's general path (xml-framing.ts #between on): a BOM, a stray byte, a construct, an event
 * not closed before the next start, an oversize one, or the end of what the marks can tell yet. Each event it takes is one
 * the general path would deliver the same way, at the same offsets. The kernel takes the run over the marks it holds
 * (scan-kernel.wat xmlRun: events `onlyEventIds` lets go are counted there, without a call per event); the loop below reads
 * one event the same way where the kernel stops short, through the cursor that fetches more marks.
 */
export function takeRunOfEvents(w: ScanWindow, marks: TagMarks, sink: FrameSink, max: number, final: boolean): void {
  const bytes = w.bytes;
  const only = sink.onlyEventIds;
  let p = w.pos;
  marks.sync(w, p, final);
  for (;;) {
    // In bulk, in the kernel: the events it only counts, up to one to deliver or to anything it leaves to the code below.
    p = marks.run(p, max);
    for (let i = 0; i < marks.runSettled; i += 1) sink.processSkipped?.(w.base + marks.settledAt(i));
    if (marks.runSkipped > 0) sink.skipped?.(marks.runSkipped);
    let end = marks.runEnd;
    let idAt = marks.runIdAt;
    if (end < 0) {
      // The kernel's marks ran out (it asks for no more) or it saw no complete event at p: one event read here, through
      // the cursor that fetches marks, else the general path.
      while (p < bytes.length && isSpace(bytes[p])) p += 1;
      if (marks.next(p) !== p || marks.kind !== 'start') break;
      let at = p;
      let ids = 0;
      for (;;) {
        at = marks.next(at + 1);
        if (at < 0) break;
        // Widened: `next` changed it since the check above.
        const kind = marks.kind as TagKind;
        if (kind === 'eventId') {
          if (ids === 0) idAt = at;
          ids += 1;
          continue;
        }
        if (kind === 'end') end = at + END_TAG.length;
        break;
      }
      if (end < 0 || end - p > max) break;
      if (ids !== 1) idAt = -1;
      const id = idAt >= 0 && only !== undefined ? xmlEventId(bytes, idAt, end) : -1;
      if (id >= 0 && only?.has(id) === false) {
        sink.skipped?.(1);
        p = end;
        continue;
      }
    }
    w.pos = p;
    sink.event(bytes, marks, p, end, w.base + p, idAt);
    p = end;
  }
  w.pos = p;
}
