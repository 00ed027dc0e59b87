/**
 * Interned names for the parser: element and `Data Name` strings come from a small hash table instead of being sliced
 * from each event, so `data[name] = value` takes V8's fast path for internalized keys (a fresh slice as a key costs a
 * string-table lookup on every store: measured as the largest single cost of a full parse). Bounded: a slot keeps the
 * first name put in it and a full table stays full, so hostile input with endless distinct names only loses the
 * speed-up (those names are plain slices), never memory.
 */

const SLOTS = 4096;
const PROBES = 4;
const MAX_LENGTH = 64;
const slots: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);

function internalized(name: string): string {
  // Property keys are internalized: reading one back returns the canonical string (array-index names stay as they are).
  return Object.keys({ [name]: true })[0] ?? name;
}

/** Whether `x` holds `name` at `at` (a char loop: String.startsWith with a position is far slower for short names). */
export function holdsAt(x: string, at: number, name: string): boolean {
  for (let k = 0; k < name.length; k += 1) if (x.charCodeAt(at + k) !== name.charCodeAt(k)) return false;
  return true;
}

/** The name at [at, end) of `x`, as a canonical string when it is short enough to keep. */
export function nameAt(x: string, at: number, end: number): string {
  const length = end - at;
  if (length > MAX_LENGTH || length === 0) return x.slice(at, end);
  const hash = length * 31 + x.charCodeAt(at) * 7 + x.charCodeAt(end - 1) * 131 + x.charCodeAt(at + (length >> 1)) * 1031;
  // A few probes: names that share a slot (Windows has a few hundred distinct ones) still find a home.
  for (let probe = 0; probe < PROBES; probe += 1) {
    const slot = (hash + probe * 61) & (SLOTS - 1);
    const known = slots[slot];
    if (known === undefined) {
      const name = internalized(x.slice(at, end));
      slots[slot] = name;
      return name;
    }
    if (known.length === length && holdsAt(x, at, known)) return known;
  }
  return x.slice(at, end);
}
