/**
 * The scan window's line numbers must not depend on where the input is split. The split that broke them, as an S3 body
 * delivered it under load: a chunk, then a small one (appended in the window's own buffer) that ends fewer than 10
 * bytes into the `<Event` after a newline, then a chunk of at least 64 KiB (read in place behind a bridge built in that
 * same buffer). The newline was counted after the bridge had overwritten it, so every later line was one short.
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixtureBytes, readAll, readBytes, splitAt, type ReadResult } from './xml-fixtures.ts';

/** Chunks at least this large are read in place (ADOPT_MIN_CHUNK of xml-scan-window.ts). */
const ADOPT = 64 * 1024;

/** `times` copies of a real file, each ending in a newline. */
function repeated(bytes: Buffer, times: number): Buffer {
  const copy = bytes[bytes.length - 1] === 0x0a ? bytes : Buffer.concat([bytes, Buffer.from('\n')]);
  return Buffer.concat(Array.from({ length: times }, () => copy));
}

const INPUTS = [
  { name: 'iis-appcmd-discovery.xml.log', bytes: repeated(fixtureBytes('xml', 'iis-appcmd-discovery.xml.log'), 2) },
  { name: 'credential-dumping-via-copy.log', bytes: repeated(fixtureBytes('xml', 'credential-dumping-via-copy.log'), 4) },
];

/** Independent of the reader: the line of an offset is one more than the newlines before it. */
function lineOracle(bytes: Buffer): (offset: number) => number {
  const newlines: number[] = [];
  for (let k = bytes.indexOf(0x0a); k >= 0; k = bytes.indexOf(0x0a, k + 1)) newlines.push(k);
  return (offset) => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((newlines[mid] as number) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/** Every located item with the line the reader gave and the true one. */
function lines(result: ReadResult, trueLine: (offset: number) => number): Array<{ offset: number; line?: number; expected: number }> {
  return result.items.map((item) => {
    const { offset, line } = item.ok ? item.event.location : item.problem.location;
    return { offset, ...(line === undefined ? {} : { line }), expected: trueLine(offset) };
  });
}

function expectTrueLines(result: ReadResult, trueLine: (offset: number) => number, label: string): void {
  const wrong = lines(result, trueLine).filter((at) => at.line !== at.expected);
  expect(wrong, label).toEqual([]);
}

/** Newlines followed by `<Event` with room for a chunk of ADOPT bytes after the next 9. */
function eventNewlines(bytes: Buffer): number[] {
  const found: number[] = [];
  for (let nl = bytes.indexOf(0x0a); nl >= 0; nl = bytes.indexOf(0x0a, nl + 1)) {
    if (nl >= 40 && bytes.length - (nl + 10) >= ADOPT && bytes.toString('latin1', nl + 1, nl + 7) === '<Event') found.push(nl);
  }
  return found;
}

describe('scan window line numbers', () => {
  it.each(INPUTS)('$name: a small chunk ending inside the lookahead, then an in-place chunk, after every newline', async ({ bytes }) => {
    const trueLine = lineOracle(bytes);
    const newlines = eventNewlines(bytes);
    expect(newlines.length).toBeGreaterThan(10);
    expectTrueLines(await readBytes(bytes), trueLine, 'one buffer');
    for (const nl of newlines) expectTrueLines(await readAll(splitAt(bytes, [nl - 20, nl + 9])), trueLine, `cut at ${nl - 20}, ${nl + 9}`);
  });

  it('the chunks of a failing Lambda run (checkpoint test, web01 sample repeated) keep every line', async () => {
    const sample = readFileSync(new URL('../../fixtures/samples/web01/iis module install.xml', import.meta.url));
    const bytes = repeated(sample, 10);
    // As the S3 body arrived: 65258 + 4 × 65536 bytes, 278 bytes ending 8 bytes after a newline, then 64 KiB reads.
    const cuts = [327_402, 327_680];
    for (let at = 327_680 + ADOPT; at < bytes.length; at += ADOPT) cuts.push(at);
    expectTrueLines(await readAll(splitAt(bytes, cuts)), lineOracle(bytes), 'failing run');
  });

  it('any chunk before, any small chunk ending just after a newline, any in-place chunk after: true lines', async () => {
    const { bytes } = INPUTS[0] as (typeof INPUTS)[number];
    const trueLine = lineOracle(bytes);
    const newlines = eventNewlines(bytes);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...newlines),
        fc.integer({ min: 1, max: 4000 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: ADOPT, max: ADOPT + 40_000 }),
        async (nl, back, into, after) => {
          const small = nl + into;
          const cuts = [Math.max(1, nl - back), small, small + after];
          expectTrueLines(await readAll(splitAt(bytes, cuts)), trueLine, `cut at ${cuts.join(', ')}`);
        },
      ),
      { numRuns: 300 },
    );
  });
});
