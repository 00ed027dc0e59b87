/**
 * The benchmark corpus's randomness: mulberry32, seeded, so one seed gives one event sequence on every platform and in
 * every output format. Strings of random digits draw 32 bits at a time (one draw per 8 hex or 5 base64 characters).
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BYTE_UPPER = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));
const BYTE_LOWER = BYTE_UPPER.map((h) => h.toLowerCase());

/** `n` hex digits from 32-bit draws, most significant byte first, with the given digit table. */
function hexDigits(random: SeededRandom, n: number, table: readonly string[]): string {
  let s = '';
  while (s.length < n) {
    const v = random.u32();
    s += (table[v >>> 24] as string) + table[(v >>> 16) & 255] + table[(v >>> 8) & 255] + table[v & 255];
  }
  return s.length === n ? s : s.slice(0, n);
}

/** A deterministic pseudo-random source with the helpers the corpus needs. */
export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`corpus seed must be a safe integer, got ${seed}`);
    // Fold the high bits in, so seeds that differ only above bit 31 give different sequences.
    this.#state = (seed ^ Math.floor(seed / 0x1_0000_0000) ^ 0x5eed_c0de) >>> 0;
  }

  /** The next 32 random bits as an unsigned integer. */
  u32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.u32() / 0x1_0000_0000;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** `n` random hex digits, upper-case (Windows renders GUIDs and hashes upper-case). */
  hex(n: number): string {
    return hexDigits(this, n, BYTE_UPPER);
  }

  /** `n` random hex digits, lower-case (temporary file names, hex offsets). */
  lowerHex(n: number): string {
    return hexDigits(this, n, BYTE_LOWER);
  }

  /** `n` random base64 characters (PowerShell -EncodedCommand payloads). */
  base64(n: number): string {
    let s = '';
    while (s.length < n) {
      let bits = this.u32();
      for (let i = 0; i < 5 && s.length < n; i += 1, bits >>>= 6) s += BASE64[bits & 63];
    }
    return s;
  }
}
