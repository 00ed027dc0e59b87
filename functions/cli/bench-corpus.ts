/**
 * The benchmark corpus: realistic Sysmon logs (and a few Security 4688 events) from a simulated 52-host fleet, with
 * planted true positives for the ESCU IIS-module rule and decoys, written as XmlWinEventLog, evtx_dump JSON lines or a
 * real EVTX file — the same event sequence for one seed in every format — together with its answer key (CorpusTruth).
 * Written as a stream: about 1 MiB is held at a time whatever the corpus size.
 */
import { open } from 'node:fs/promises';
import { CHUNK_SIZE } from './bench-corpus-binxml.ts';
import { CorpusEventSource, DEFAULT_RATES, type CorpusRates } from './bench-corpus-events.ts';
import { EvtxChunkPacker, FILE_HEADER_SIZE } from './bench-corpus-evtx.ts';
import { renderJsonl } from './bench-corpus-jsonl.ts';
import { TruthRecorder, type CorpusFormat, type CorpusTruth } from './bench-corpus-truth.ts';
import { renderXml } from './bench-corpus-xml.ts';

export type { CorpusFormat, CorpusTruth, ExpectedRow } from './bench-corpus-truth.ts';
export { RULE_BY_FIELDS } from './bench-corpus-truth.ts';
export type { CorpusRates } from './bench-corpus-events.ts';

/** What to write. */
export interface CorpusOptions {
  format: CorpusFormat;
  /**
   * Target size in bytes. Text formats stop after the event that reaches it; EVTX fills whole chunks, so its file is
   * 4096 + n × 65536 bytes with n = max(1, ⌈(size − 4096) / 65536⌉). May be Infinity when maxEvents bounds the corpus.
   */
  size: number;
  seed: number;
  /** Planting rates (defaults: DEFAULT_RATES, about 22 true-positive events and 130 decoys per GB of XML). */
  rates?: Partial<CorpusRates>;
  /** Stop after this many events even below the size: corpora of the same events in every format. */
  maxEvents?: number;
}

const FLUSH_BYTES = 1024 * 1024;

/** Writes the corpus to `path` and returns its truth. */
export async function writeCorpus(path: string, options: CorpusOptions): Promise<CorpusTruth> {
  const maxEvents = options.maxEvents ?? Number.POSITIVE_INFINITY;
  if (!(options.size >= 0) || (options.size === Number.POSITIVE_INFINITY && maxEvents === Number.POSITIVE_INFINITY)) {
    throw new RangeError(`corpus size must be a non-negative number (Infinity only with maxEvents), got ${options.size}`);
  }
  if (!(maxEvents >= 0)) throw new RangeError(`corpus maxEvents must be non-negative, got ${options.maxEvents}`);
  const source = new CorpusEventSource(options.seed, { ...DEFAULT_RATES, ...options.rates });
  const truth = new TruthRecorder(options.format, options.seed);
  const file = await open(path, 'w');
  try {
    switch (options.format) {
      case 'xml':
        return truth.finish(await writeLines(file, source, truth, renderXml, options.size, maxEvents));
      case 'jsonl':
        return truth.finish(await writeLines(file, source, truth, renderJsonl, options.size, maxEvents));
      case 'evtx':
        return truth.finish(await writeEvtx(file, source, truth, options.size, maxEvents));
    }
  } finally {
    await file.close();
  }
}

type FileHandle = Awaited<ReturnType<typeof open>>;

/**
 * Text formats: one rendered line per event, encoded straight into a ~1 MiB buffer (one UTF-8 pass). Two buffers take
 * turns, so the next one fills while the last one is written; returns the bytes written.
 */
async function writeLines(
  file: FileHandle,
  source: CorpusEventSource,
  truth: TruthRecorder,
  render: (event: ReturnType<CorpusEventSource['next']>) => string,
  size: number,
  maxEvents: number,
): Promise<number> {
  const buffers = [Buffer.allocUnsafe(2 * FLUSH_BYTES), Buffer.allocUnsafe(2 * FLUSH_BYTES)] as const;
  let buffer: Buffer = buffers[0];
  let used = 0;
  let bytes = 0;
  let writing: Promise<unknown> = Promise.resolve();
  const flush = async (): Promise<void> => {
    await writing;
    writing = file.write(buffer, 0, used);
    buffer = buffer === buffers[0] ? buffers[1] : buffers[0];
    used = 0;
  };
  for (let events = 0; bytes < size && events < maxEvents; events += 1) {
    const event = source.next();
    const line = render(event);
    // A UTF-16 code unit takes at most 3 UTF-8 bytes; no corpus line comes near the buffer's 2 MiB.
    if (used + line.length * 3 > buffer.length) await flush();
    const length = buffer.write(line, used, 'utf8');
    used += length;
    bytes += length;
    truth.add(event);
    if (used >= FLUSH_BYTES) await flush();
  }
  if (used > 0) await flush();
  await writing;
  return bytes;
}

/** EVTX: chunks written after a header placeholder, the real header last (it counts chunks and records). */
async function writeEvtx(file: FileHandle, source: CorpusEventSource, truth: TruthRecorder, size: number, maxEvents: number): Promise<number> {
  const maxChunks = Math.max(1, Math.ceil((size - FILE_HEADER_SIZE) / CHUNK_SIZE));
  const packer = new EvtxChunkPacker(maxChunks);
  let position = FILE_HEADER_SIZE;
  let writing: Promise<unknown> = Promise.resolve();
  // Sealed chunks are fresh buffers, so one write may run while the next chunks fill.
  const flush = async (chunks: Buffer[]): Promise<void> => {
    await writing;
    if (chunks.length === 0) return;
    writing = file.writev(chunks, position);
    position += chunks.length * CHUNK_SIZE;
  };
  await file.write(Buffer.alloc(FILE_HEADER_SIZE), 0, FILE_HEADER_SIZE, 0);
  for (let events = 0; events < maxEvents; events += 1) {
    const event = source.next();
    if (!packer.add(event)) break;
    truth.add(event);
    if (packer.pendingBytes >= FLUSH_BYTES) await flush(packer.take());
  }
  const { chunks, header } = packer.finish();
  await flush(chunks);
  await writing;
  await file.write(header, 0, header.length, 0);
  return position;
}
