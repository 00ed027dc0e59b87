/**
 * Big logs made of real events: the web01 sample (real Sysmon events, one edited into the ART true positive) repeated,
 * with the true positive's ProcessId changed every `distinctEvery` repetitions so the search keeps many rows.
 */
import { Readable } from 'node:stream';
import { sampleBytes } from './sample-logs.ts';

const TP_PID = "<Data Name='ProcessId'>4116</Data>";

function lines(): string[] {
  const text = sampleBytes('web01/iis module install.xml').toString('utf8');
  return text.split('\n').filter((line) => line !== '');
}

/** One repetition of the sample with the true positive's pid set. */
function block(all: readonly string[], pid: number): string {
  return all.map((line) => (line.includes(TP_PID) ? line.replace(TP_PID, `<Data Name='ProcessId'>${pid}</Data>`) : line)).join('\n') + '\n';
}

/** `times` repetitions in memory (for objects of a few MB). */
export function repeatedLog(times: number, distinctEvery = 10): Buffer {
  const all = lines();
  const parts: string[] = [];
  for (let i = 0; i < times; i += 1) parts.push(block(all, 4116 + Math.floor(i / distinctEvery)));
  return Buffer.from(parts.join(''));
}

/** Exactly `bytes` bytes of repetitions, generated as a stream (never held whole); the last block is cut at a line end. */
export function repeatedLogStream(bytes: number, distinctEvery = 1000): { stream: Readable; blocks: () => number } {
  const all = lines();
  let produced = 0;
  let count = 0;
  const stream = Readable.from(
    (function* generate(): Generator<Buffer> {
      while (produced < bytes) {
        let chunk = Buffer.from(block(all, 4116 + Math.floor(count / distinctEvery)));
        if (produced + chunk.length > bytes) {
          // Pad the tail with blank lines so the size is exact and no event is cut.
          chunk = Buffer.alloc(bytes - produced, 0x0a);
        } else {
          count += 1;
        }
        produced += chunk.length;
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
  return { stream, blocks: () => count };
}
