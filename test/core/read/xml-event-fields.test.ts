import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { fixtureBytes, rawEvents, readBytes } from './xml-fixtures.ts';

/** The first event of a real Sysmon file (EventRecordID 45122, EID 13), edited per case. */
const BASE = rawEvents(fixtureBytes('xml', 'pythonpath-modification.log').toString('utf8'))[0] as string;

function withData(xml: string): string {
  return BASE.replace(/<EventData>[\s\S]*<\/EventData>/, `<EventData>${xml}</EventData>`);
}

async function readOne(xml: string): Promise<Awaited<ReturnType<typeof readBytes>>> {
  return readBytes(Buffer.from(xml, 'utf8'));
}

describe('values', () => {
  it.each([
    ['the five entities', `<Data Name='V'>&lt;a&gt; &amp; &quot;b&quot; &apos;c&apos;</Data>`, `<a> & "b" 'c'`],
    ['one pass: &amp;lt; is &lt;', `<Data Name='V'>&amp;lt;</Data>`, '&lt;'],
    ['decimal and hex references', `<Data Name='V'>&#65;&#x42;&#x1F600;&#233;</Data>`, 'AB😀é'],
    ['invalid code points stay literal', `<Data Name='V'>&#0;&#xD800;&#x110000;&#xZZ;&#;</Data>`, '&#0;&#xD800;&#x110000;&#xZZ;&#;'],
    ['unknown and DTD-style entities stay literal', `<Data Name='V'>&lol9; &xxe; &nbsp;</Data>`, '&lol9; &xxe; &nbsp;'],
    ['a bare ampersand stays', `<Data Name='V'>a & b &amp c</Data>`, 'a & b &amp c'],
    ['CDATA is literal', `<Data Name='V'><![CDATA[a < b &amp; c]]></Data>`, 'a < b &amp; c'],
    ['text and CDATA mix', `<Data Name='V'>x &amp; <![CDATA[<y>]]> z</Data>`, 'x & <y> z'],
    ['not trimmed', `<Data Name='V'>  padded\t </Data>`, '  padded\t '],
    ['self-closing is empty', `<Data Name='V'/>`, ''],
    ['empty element is empty', `<Data Name='V'></Data>`, ''],
    ['double quotes', `<Data Name="V">dq</Data>`, 'dq'],
    ['spaces around =', `<Data  Name = 'V' >sp</Data >`, 'sp'],
    ['a comment inside is dropped', `<Data Name='V'>a<!-- no -->b</Data>`, 'ab'],
    ['invalid UTF-8 becomes U+FFFD', `<Data Name='V'>a\uFFFDb</Data>`, 'a\uFFFDb'],
  ])('%s', async (_case, xml, value) => {
    const { events, problems } = await readOne(withData(xml));
    expect(problems).toEqual([]);
    expect(events[0]?.data.V).toBe(value);
  });

  it('decodes invalid UTF-8 bytes to U+FFFD without a problem', async () => {
    const [head, tail] = withData(`<Data Name='V'>a#b</Data>`).split('#') as [string, string];
    const bytes = Buffer.concat([Buffer.from(head), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(tail)]);
    const { events, problems } = await readBytes(bytes);
    expect(problems).toEqual([]);
    expect(events[0]?.data.V).toBe('a\uFFFD(\uFFFDb');
  });

  it.each([
    ['Data without a Name is skipped', `<Data>x</Data><Data Name='A'>a</Data>`, { A: 'a' }],
    ['the first of a repeated name wins', `<Data Name='A'>1</Data><Data Name='A'>2</Data>`, { A: '1' }],
    ['names with entities are decoded', `<Data Name='a&amp;b'>v</Data>`, { 'a&b': 'v' }],
    ['inherited names are plain keys', `<Data Name='toString'>t</Data><Data Name='__proto__'>p</Data><Data Name='constructor'>c</Data>`, JSON.parse('{"toString":"t","__proto__":"p","constructor":"c"}') as Record<string, string>],
    ['other EventData children are ignored', `<Binary>00FF</Binary><Data Name='A'>a</Data>`, { A: 'a' }],
  ])('%s', async (_case, xml, data) => {
    const { events, problems } = await readOne(withData(xml));
    expect(problems).toEqual([]);
    expect(events[0]?.data).toEqual(data);
    expect(Object.getPrototypeOf(events[0]?.data)).toBe(Object.prototype);
  });

  it('reads System the way the raw text writes it', async () => {
    const { events } = await readOne(BASE);
    expect(events[0]?.system).toEqual({
      Provider: /Provider Name='([^']*)'/.exec(BASE)?.[1],
      EventID: /<EventID>(\d+)</.exec(BASE)?.[1],
      Version: /<Version>(\d+)</.exec(BASE)?.[1],
      Channel: /<Channel>([^<]*)</.exec(BASE)?.[1],
      Computer: /<Computer>([^<]*)</.exec(BASE)?.[1],
      EventRecordID: '45122',
      TimeCreated: /SystemTime='([^']*)'/.exec(BASE)?.[1],
      UserID: /UserID='([^']*)'/.exec(BASE)?.[1],
    });
  });

  it('drops EventID qualifiers', async () => {
    const { events } = await readOne(BASE.replace('<EventID>13</EventID>', "<EventID Qualifiers='16384'>7036</EventID>"));
    expect(events[0]?.system.EventID).toBe('7036');
  });

  it('gives UserData events no data', async () => {
    const xml = BASE.replace(/<EventData>[\s\S]*<\/EventData>/, "<UserData><LogFileCleared xmlns='x'><SubjectUserName>a</SubjectUserName></LogFileCleared></UserData>");
    const { events, problems } = await readOne(xml);
    expect(problems).toEqual([]);
    expect(events[0]?.data).toEqual({});
    expect(events[0]?.system.EventRecordID).toBe('45122');
  });

  it('ignores RenderingInfo and other unknown children', async () => {
    const xml = BASE.replace('</Event>', "<RenderingInfo Culture='en-US'><Message>m</Message></RenderingInfo></Event>");
    const { events, problems } = await readOne(xml);
    expect(problems).toEqual([]);
    expect(events[0]?.data.Image).toBe(/<Data Name='Image'>([^<]*)</.exec(BASE)?.[1]);
  });
});

describe('malformed events are located problems, and the next event still reads', () => {
  it.each([
    ['no System', BASE.replace(/<System>[\s\S]*<\/System>/, ''), /no <System> element/],
    ['mismatched end tag', withData(`<Data Name='A'>a</Dota>`), /<\/Dota> does not close <Data>/],
    ['unquoted attribute', withData(`<Data Name=A>a</Data>`), /attribute value not quoted/],
    ['attribute without value', withData(`<Data Name>a</Data>`), /attribute without =/],
    ['unterminated attribute', withData(`<Data Name='A>a</Data>`), /attribute value not closed|not closed/],
    ['unclosed inner element', withData(`<Data Name='A'>a`), /does not close|not closed/],
    ['unterminated CDATA', withData(`<Data Name='A'><![CDATA[a</Data>`), /CDATA section not closed/],
    ['unterminated comment', withData(`<Data Name='A'><!-- a</Data>`), /comment not closed/],
    ['a < without a name', withData(`<Data Name='A'>a < b</Data>`), /< not followed by an element name/],
    ['self-closing root', `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'/>`, /no <System> element/],
    ['100,000 nested elements', withData(`${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`), /nested deeper than 256/],
  ])('%s', async (_case, bad, message) => {
    const good = BASE.replace('<EventRecordID>45122<', '<EventRecordID>99<');
    const text = `${bad}\n${good}\n`;
    const { events, problems, stats } = await readOne(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ reason: 'malformed-event', location: { offset: 0, line: 1 } });
    expect(problems[0]?.message).toMatch(message);
    expect(problems[0]?.message).toMatch(/\(at line 1, byte offset \d+\) in the event at line 1, byte offset 0/);
    expect(problems[0]?.excerpt).toBe(bad.slice(0, 200));
    expect(events.map((event) => event.system.EventRecordID)).toEqual(['99']);
    expect(stats).toMatchObject({ events: 2, problems: 1 });
  });

  it('locates the fault itself in multi-line events', async () => {
    const bad = BASE.replace(/></g, '>\n<').replace("<Data Name='Image'>", "<Data Name='Image'>x</Daat>");
    const { problems } = await readOne(bad);
    const faultLine = bad.slice(0, bad.indexOf('</Daat>')).split('\n').length;
    expect(problems[0]?.message).toContain(`(at line ${faultLine}, byte offset ${Buffer.byteLength(bad.slice(0, bad.indexOf('</Daat>')))})`);
  });

  it('locates the fault in bytes when multi-byte characters come before it', async () => {
    const bad = BASE.replace("<Data Name='Image'>", "<Data Name='Image'>Microsoft® Windows® 中文</Daat>");
    const { problems } = await readOne(bad);
    expect(problems[0]?.message).toContain(`byte offset ${Buffer.byteLength(bad.slice(0, bad.indexOf('</Daat>')))})`);
  });

  it('reports a DOCTYPE inside an event as forbidden, never expanded', async () => {
    const xml = withData(`<!DOCTYPE x [<!ENTITY e "boom">]><Data Name='A'>&e;</Data>`);
    const { events, problems } = await readOne(xml);
    expect(events).toEqual([]);
    expect(problems.map((problem) => problem.reason)).toEqual(['forbidden-dtd']);
  });
});
