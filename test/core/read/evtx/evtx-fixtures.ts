/** Test support: loads the EVTX fixtures and runs the reader over them. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { readEvtxEvents, type ReaderStats } from '../../../../functions/core/read/evtx/evtx-events.ts';
import type { Problem, RawEvent } from '../../../../functions/core/read/raw-event.ts';

/** A fixture's original bytes (`.gz` fixtures are gunzipped in memory). */
export function fixture(name: string): Uint8Array {
  const bytes = readFileSync(fileURLToPath(new URL(`../../../fixtures/evtx/${name}`, import.meta.url)));
  return new Uint8Array(name.endsWith('.gz') ? gunzipSync(bytes) : bytes);
}

/** Yields `bytes` in pieces of `size` (the last may be shorter). */
export async function* pieces(bytes: Uint8Array, size = 65536): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** Runs the reader to the end and sorts what it yields. */
export async function readAll(bytes: Uint8Array, pieceSize = 65536): Promise<{ events: RawEvent[]; problems: Problem[]; stats: ReaderStats }> {
  const stats: ReaderStats = { bytes: 0, events: 0, skipped: 0, problems: 0 };
  const events: RawEvent[] = [];
  const problems: Problem[] = [];
  for await (const item of readEvtxEvents(pieces(bytes, pieceSize), { stats })) {
    if (item.ok) events.push(item.event);
    else problems.push(item.problem);
  }
  return { events, problems, stats };
}

