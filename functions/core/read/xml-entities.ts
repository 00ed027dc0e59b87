/**
 * XML character references in values: the five predefined entities and numeric references, decoded in one pass (so
 * `&amp;lt;` becomes `&lt;`, never `<`). Nothing else is ever expanded: DTD-defined or unknown entities, malformed
 * references and numeric references to invalid code points stay literal text, as a regex-based Splunk extraction shows them.
 */

const NAMED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Longest reference body we try to decode, `#x` plus six hex digits and slack for leading zeros. */
const MAX_REFERENCE = 10;

function codePointText(value: number): string | undefined {
  if (value < 1 || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return undefined;
  return String.fromCodePoint(value);
}

function numericReference(body: string): string | undefined {
  const hex = body[1] === 'x';
  const digits = body.slice(hex ? 2 : 1);
  if (digits.length === 0) return undefined;
  let value = 0;
  for (let i = 0; i < digits.length; i += 1) {
    const c = digits.charCodeAt(i);
    let digit: number;
    if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
    else if (hex && c >= 0x61 && c <= 0x66) digit = c - 0x57;
    else if (hex && c >= 0x41 && c <= 0x46) digit = c - 0x37;
    else return undefined;
    value = value * (hex ? 16 : 10) + digit;
  }
  return codePointText(value);
}

function referenceText(body: string): string | undefined {
  if (body.charCodeAt(0) === 0x23) return numericReference(body);
  return Object.hasOwn(NAMED, body) ? NAMED[body] : undefined;
}

/** Decodes `&lt; &gt; &amp; &quot; &apos; &#NN; &#xHH;` in a value; anything else stays as written. Linear time. */
export function decodeXmlEntities(text: string): string {
  let amp = text.indexOf('&');
  if (amp < 0) return text;
  let out = '';
  let copied = 0;
  let semi = -1;
  while (amp >= 0) {
    // The next ';' is searched once and reused for every '&' before it, so `&&&&…;` stays linear.
    if (semi <= amp) semi = text.indexOf(';', amp + 1);
    if (semi < 0) break;
    const decoded = semi - amp - 1 <= MAX_REFERENCE ? referenceText(text.slice(amp + 1, semi)) : undefined;
    if (decoded === undefined) {
      amp = text.indexOf('&', amp + 1);
      continue;
    }
    out += text.slice(copied, amp) + decoded;
    copied = semi + 1;
    amp = text.indexOf('&', copied);
  }
  return copied === 0 ? text : out + text.slice(copied);
}
