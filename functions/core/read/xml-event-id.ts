/**
 * The EventID of a raw XML event, read from its bytes where that is certain: the one place the prefilter and the framer's
 * bulk skip decide from (they must agree with each other, and with the parser wherever they claim to know).
 */

/** `<EventID` — the tag the framer marks. */
export const XML_EVENT_ID_TAG = '<EventID';

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/**
 * The number in `<EventID …>n</EventID>` whose tag starts at `at` in the `bytes` of an event ending at `end`, or -1 when the
 * element is anything but whitespace-padded digits (at most six) closed by an end tag (a comment, CDATA, a reference, a child).
 */
export function xmlEventId(bytes: Uint8Array, at: number, end: number): number {
  let i = at + XML_EVENT_ID_TAG.length;
  while (i < end && bytes[i] !== 0x3e) i += 1;
  if (i >= end || bytes[i - 1] === 0x2f) return -1;
  i += 1;
  while (i < end && isSpace(bytes[i] as number)) i += 1;
  let value = 0;
  let digits = 0;
  for (let c = bytes[i] as number; i < end && c >= 0x30 && c <= 0x39 && digits < 6; c = bytes[++i] as number) {
    value = value * 10 + (c - 0x30);
    digits += 1;
  }
  while (i < end && isSpace(bytes[i] as number)) i += 1;
  return digits > 0 && i + 1 < end && bytes[i] === 0x3c && bytes[i + 1] === 0x2f ? value : -1;
}
