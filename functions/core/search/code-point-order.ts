/**
 * String order by Unicode code point — the order of the strings' UTF-8 bytes. JavaScript's `<` compares UTF-16 code units,
 * which puts U+E000…U+FFFF after the astral planes; this fixes that without allocating.
 */

/** Negative, zero or positive as `a` sorts before, with or after `b` in code-point (UTF-8 byte) order. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/** Surrogates (0xD800–0xDFFF) stand for code points ≥ 0x10000, so they rank above every other code unit. */
function rank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}
