/**
 * zip: one decoded stream per file entry through fflate's streaming Unzip, fed one slice at a time on demand, directories
 * skipped. Entries with a method other than stored/deflate fail once with their name; the archive's other entries still read.
 */
import { Buffer } from 'node:buffer';
import type { AsyncFlateStreamHandler, Unzip, UnzipDecoderConstructor } from 'fflate';

/** fflate, loaded when the first zip is read: its module builds its tables as it loads, a cost every other scan would pay. */
type Fflate = typeof import('fflate');
import { CorruptCompressionError, slices, type Where } from './compressed-input.ts';
import type { ByteChunks } from './raw-event.ts';

const ZIP_SLICE = 16 * 1024;

/** What the zip decoder reports, in order; `entry` -1 is the archive itself. */
type ZipEvent =
  | { kind: 'start'; entry: number; name: string }
  | { kind: 'data'; entry: number; data: Uint8Array }
  | { kind: 'end'; entry: number }
  | { kind: 'error'; entry: number; problem: string; offset: number; cause?: unknown };

/** The end-of-central-directory record closes every complete zip; it sits in the last 22 + 65,535 (comment) bytes. */
const EOCD = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const EOCD_SEARCH = 22 + 65535;
/** APPNOTE methods fflate cannot decode; registered so such an entry fails once instead of being buffered whole. */
const UNSUPPORTED_METHODS = Array.from({ length: 99 }, (_, i) => i + 1).filter((method) => method !== 8);

function unsupportedMethod(method: number): UnzipDecoderConstructor {
  return class {
    static readonly compression = method;
    ondata: AsyncFlateStreamHandler = () => undefined;
    #reported = false;
    push(_chunk: Uint8Array, final: boolean): void {
      if (this.#reported) return;
      this.#reported = true;
      // fflate's handler type has no error-only form; the data argument is unused when an error is passed.
      this.ondata(Object.assign(new Error(`compression method ${method} is not supported (only stored and deflate)`), { code: 0 }), new Uint8Array(0), final);
    }
  };
}

/** Feeds a zip's bytes to fflate's streaming Unzip one slice at a time, on demand, and queues what it reports. */
class ZipPump {
  readonly events: ZipEvent[] = [];
  readonly #iterator: AsyncIterator<Uint8Array>;
  readonly #unzip: Unzip;
  #slices: Generator<Uint8Array> | undefined;
  #fed = 0;
  #open = -1;
  #count = 0;
  #finished = false;
  /** The input's last bytes, to find the end-of-central-directory record when it ends. */
  #tail: Uint8Array[] = [];
  #tailLength = 0;

  constructor(input: ByteChunks, { Unzip, UnzipInflate }: Fflate) {
    this.#iterator = input[Symbol.asyncIterator]();
    this.#unzip = new Unzip((file) => {
      const entry = this.#count;
      this.#count += 1;
      this.#open = entry;
      this.events.push({ kind: 'start', entry, name: file.name });
      file.ondata = (error, data, final) => {
        if (error !== null) this.events.push({ kind: 'error', entry, problem: error.message, offset: this.#fed, cause: error });
        else if (data.length > 0) this.events.push({ kind: 'data', entry, data });
        if (final) {
          this.events.push({ kind: 'end', entry });
          if (this.#open === entry) this.#open = -1;
        }
      };
      file.start();
    });
    this.#unzip.register(UnzipInflate);
    for (const method of UNSUPPORTED_METHODS) this.#unzip.register(unsupportedMethod(method));
  }

  /** Feeds the next slice (or ends the input); false once everything has been fed. */
  async pull(): Promise<boolean> {
    if (this.#finished) return false;
    let slice = this.#slices?.next();
    while (slice === undefined || slice.done === true) {
      const next = await this.#iterator.next();
      if (next.done === true) {
        this.#finish();
        return true;
      }
      this.#slices = slices(next.value, ZIP_SLICE);
      slice = this.#slices.next();
    }
    this.#remember(slice.value);
    this.#fed += slice.value.length;
    this.#push(slice.value, false);
    return true;
  }

  async close(): Promise<void> {
    this.#finished = true;
    await this.#iterator.return?.();
  }

  #push(slice: Uint8Array, final: boolean): void {
    try {
      this.#unzip.push(slice, final);
    } catch (error) {
      // fflate's own state is unusable after it throws: report it against the entry being read, and stop.
      const problem = error instanceof Error && error.message === 'invalid zip data' ? 'truncated or invalid entry data' : String(error);
      this.events.push({ kind: 'error', entry: this.#open, problem, offset: this.#fed, cause: error });
      this.#finished = true;
    }
  }

  #finish(): void {
    this.#push(new Uint8Array(0), true);
    if (this.#finished) return;
    this.#finished = true;
    const tail = Buffer.concat(this.#tail);
    if (tail.lastIndexOf(EOCD) < 0) {
      this.events.push({ kind: 'error', entry: this.#open, problem: 'truncated: no end-of-central-directory record', offset: this.#fed });
    }
  }

  #remember(slice: Uint8Array): void {
    this.#tail.push(slice);
    this.#tailLength += slice.length;
    while (this.#tail.length > 1 && this.#tailLength - (this.#tail[0] as Uint8Array).length >= EOCD_SEARCH) {
      this.#tailLength -= (this.#tail.shift() as Uint8Array).length;
    }
  }
}

function zipError(event: Extract<ZipEvent, { kind: 'error' }>, name: string | undefined): CorruptCompressionError {
  const where: Where = name === undefined ? { compression: 'zip' } : { compression: 'zip', entry: name };
  return new CorruptCompressionError(where, event.offset, event.problem, { cause: event.cause });
}

/** One file entry's decoded bytes, pulled from the shared pump. */
async function* entryChunks(pump: ZipPump, entry: number, name: string): AsyncGenerator<Uint8Array> {
  for (;;) {
    const event = pump.events[0];
    if (event === undefined) {
      if (!(await pump.pull())) return;
      continue;
    }
    if (event.entry !== entry && event.entry !== -1) {
      // Events of an earlier entry are leftovers; a later entry's start means ours is over.
      if (event.entry > entry) return;
      pump.events.shift();
      continue;
    }
    pump.events.shift();
    if (event.kind === 'data') yield event.data;
    else if (event.kind === 'end') return;
    else if (event.kind === 'error') throw zipError(event, event.entry === -1 ? undefined : name);
  }
}

/**
 * The file entries of a zip, in archive order (directories skipped). Entries are read one after the other: the next is
 * produced once the previous one's chunks were read or abandoned; an abandoned entry's remaining bytes (and faults) are
 * skipped. A fault outside any entry (truncated archive) is thrown here.
 */
export async function* zipEntries(input: ByteChunks): AsyncGenerator<{ name: string; chunks: ByteChunks }> {
  const pump = new ZipPump(input, await import('fflate'));
  const names = new Map<number, string>();
  try {
    for (;;) {
      const event = pump.events[0];
      if (event === undefined) {
        if (!(await pump.pull())) return;
        continue;
      }
      pump.events.shift();
      if (event.kind === 'start') {
        names.set(event.entry, event.name);
        if (!event.name.endsWith('/')) yield { name: event.name, chunks: entryChunks(pump, event.entry, event.name) };
      } else if (event.kind === 'error' && (event.entry === -1 || !names.has(event.entry))) {
        throw zipError(event, undefined);
      }
    }
  } finally {
    await pump.close();
  }
}
