import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeEvent,
  decodePayload,
  decodeS3Key,
  encodeS3Key,
  EventShapeError,
  unquoteEtag,
  type DecodedEvent,
} from '../../functions/aws/object-events.ts';

function sample(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../events/${name}`, import.meta.url), 'utf8')) as unknown;
}

const SAMPLE_MD5 = {
  dc01: '85cba1c2b905a5e6b34a0a3a8eeefc46',
  web01: '763b0c288b5426eda6ce4f1025c5d87a',
  web02: '967ee5c8a180d25705efea756d2bbc03',
};

describe('decodeEvent on the sample payloads in events/', () => {
  it.each<[string, DecodedEvent]>([
    [
      's3-put.json',
      {
        kind: 'direct',
        items: [
          {
            kind: 'object',
            object: {
              bucket: 'sysmon-logs',
              key: 'samples/dc01/credential-dumping-via-symlink.log',
              eventName: 'ObjectCreated:Put',
              versionId: 'S9Hl5y3o9eTnU0rQKLzBx1hF0cxq4Bf1',
              etag: SAMPLE_MD5.dc01,
              size: 11160,
              eventTime: '2026-11-27T09:12:31.486Z',
            },
          },
        ],
      },
    ],
    [
      's3-put-key-with-spaces-unicode.json',
      {
        kind: 'direct',
        items: [
          {
            kind: 'object',
            object: {
              bucket: 'sysmon-logs',
              key: 'samples/web01/Prüfung 2022-03-25/iis module install +1 ✓.xml',
              eventName: 'ObjectCreated:Put',
              versionId: 'Wq2yJbqC8fQ1pX4ZzZ0u9.rXk7Ta0m3N',
              etag: SAMPLE_MD5.web01,
              size: 45205,
              eventTime: '2026-11-27T09:14:02.007Z',
            },
          },
        ],
      },
    ],
    [
      'eventbridge-object-created.json',
      {
        kind: 'direct',
        items: [
          {
            kind: 'object',
            object: {
              bucket: 'sysmon-logs',
              // EventBridge keys are not URL-encoded: the space arrives as a space.
              key: 'samples/web01/iis module install.xml',
              eventName: 'Object Created',
              versionId: 'a1tC7mN0eXDbl6q3qDq2Bz_5u5iS2qkF',
              etag: SAMPLE_MD5.web01,
              size: 45205,
              eventTime: '2026-11-27T09:31:45Z',
            },
          },
        ],
      },
    ],
    ['s3-test-event.json', { kind: 'sqs', messages: [{ messageId: 'c7f1b3de-0a5e-4a2b-9d0f-3f7a1c5e8b21', items: [{ kind: 'test-event', bucket: 'sysmon-logs' }] }] }],
  ])('%s', (file, expected) => {
    expect(decodeEvent(sample(file))).toEqual(expected);
  });

  it('sqs-s3-batch.json: one message per object, keys decoded', () => {
    const decoded = decodeEvent(sample('sqs-s3-batch.json'));
    expect(decoded.kind).toBe('sqs');
    if (decoded.kind !== 'sqs') return;
    expect(decoded.messages.map((m) => ('items' in m ? m.items.map((i) => (i.kind === 'object' ? [i.object.key, i.object.etag, i.object.eventName] : i.kind)) : 'error'))).toEqual([
      [['samples/web01/iis module install.xml', SAMPLE_MD5.web01, 'ObjectCreated:Put']],
      [['samples/web02/generic-webshell-exploit.log.gz', SAMPLE_MD5.web02, 'ObjectCreated:CompleteMultipartUpload']],
    ]);
  });
});

describe('S3 notification keys', () => {
  it.each([
    // The S3 user guide's example: "red flower.jpg" arrives as "red+flower.jpg".
    ['red+flower.jpg', 'red flower.jpg'],
    ['a%2Bb.log', 'a+b.log'],
    ['dir/sub+dir/file%28copy%29.xml', 'dir/sub dir/file(copy).xml'],
    ['Pr%C3%BCfung/%E2%9C%93.log', 'Prüfung/✓.log'],
    ['plain/key.log', 'plain/key.log'],
  ])('%s decodes to %s', (encoded, key) => {
    expect(decodeS3Key(encoded)).toBe(key);
  });

  it('rejects a malformed escape with the JSON path', () => {
    expect(() => decodeS3Key('bad%E2%9.log', 'Records[0].s3.object.key')).toThrow(/Records\[0\]\.s3\.object\.key: malformed/);
  });

  it('round-trips any key through the S3 encoding', () => {
    const chars = Array.from('ab/ +%&=?#~()!*\'"äß✓😀\\');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: fc.constantFrom(...chars), maxLength: 40 })), (key) => {
        const encoded = encodeS3Key(key);
        expect(encoded).not.toContain(' ');
        expect(decodeS3Key(encoded)).toBe(key);
      }),
    );
  });
});

describe('decodePayload', () => {
  const record = (eventName: string, key = 'k.log') => ({ eventName, s3: { bucket: { name: 'b-1' }, object: { key, eTag: '"abc"' } } });

  it('ignores events that are not object creations', () => {
    expect(decodePayload({ Records: [record('ObjectRemoved:Delete')] })).toEqual([{ kind: 'ignored', reason: 'event ObjectRemoved:Delete is not ObjectCreated' }]);
    expect(decodePayload({ source: 'aws.s3', 'detail-type': 'Object Deleted', detail: {} })).toEqual([
      { kind: 'ignored', reason: 'EventBridge Object Deleted is not Object Created' },
    ]);
  });

  it('strips quotes from ETags and keeps several records in order', () => {
    const items = decodePayload({ Records: [record('ObjectCreated:Copy', 'a+b'), record('ObjectCreated:Post', 'c%2Bd')] });
    expect(items).toEqual([
      { kind: 'object', object: { bucket: 'b-1', key: 'a b', eventName: 'ObjectCreated:Copy', etag: 'abc' } },
      { kind: 'object', object: { bucket: 'b-1', key: 'c+d', eventName: 'ObjectCreated:Post', etag: 'abc' } },
    ]);
  });

  it('unwraps an SNS notification', () => {
    const items = decodePayload({ Type: 'Notification', MessageId: 'm', Message: JSON.stringify({ Records: [record('ObjectCreated:Put', 'x+y')] }) });
    expect(items).toEqual([{ kind: 'object', object: { bucket: 'b-1', key: 'x y', eventName: 'ObjectCreated:Put', etag: 'abc' } }]);
  });

  it.each([
    [{ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: {} } }] }, '$.Records[0].s3.object.key'],
    [{ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: {}, object: { key: 'k' } } }] }, '$.Records[0].s3.bucket.name'],
    [{ Records: [{ s3: {} }] }, '$.Records[0].eventName'],
    [{ source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: 'b' } } }, '$.detail.object'],
    [{ hello: 'world' }, '$'],
    ['text', '$'],
  ])('rejects %j at %s', (payload, path) => {
    let caught: unknown;
    try {
      decodePayload(payload);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EventShapeError);
    expect((caught as EventShapeError).path).toBe(path);
  });
});

describe('decodeEvent with SQS', () => {
  it('reports an unreadable body for its message only', () => {
    const good = { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b-1' }, object: { key: 'k' } } }] };
    const decoded = decodeEvent({
      Records: [
        { messageId: 'm1', eventSource: 'aws:sqs', body: '{not json' },
        { messageId: 'm2', eventSource: 'aws:sqs', body: JSON.stringify(good) },
        { messageId: 'm3', eventSource: 'aws:sqs', body: JSON.stringify({ unexpected: true }) },
      ],
    });
    expect(decoded.kind).toBe('sqs');
    if (decoded.kind !== 'sqs') return;
    const [m1, m2, m3] = decoded.messages;
    expect(m1 && 'error' in m1 && m1.error.path).toBe('Records[0].body');
    expect(m2 && 'items' in m2 && m2.items).toEqual([{ kind: 'object', object: { bucket: 'b-1', key: 'k', eventName: 'ObjectCreated:Put' } }]);
    expect(m3 && 'error' in m3 && m3.error.path).toBe('Records[2].body');
  });

  it('accepts EventBridge events delivered through SQS', () => {
    const decoded = decodeEvent({ Records: [{ messageId: 'm', eventSource: 'aws:sqs', body: JSON.stringify(sample('eventbridge-object-created.json')) }] });
    expect(decoded).toMatchObject({ kind: 'sqs', messages: [{ messageId: 'm', items: [{ kind: 'object', object: { key: 'samples/web01/iis module install.xml' } }] }] });
  });
});

describe('unquoteEtag', () => {
  it.each([
    ['"05704fbdccb224cb01c59005bebbad28"', '05704fbdccb224cb01c59005bebbad28'],
    ['05704fbdccb224cb01c59005bebbad28', '05704fbdccb224cb01c59005bebbad28'],
    ['"4af981f98d22a0b9979da24b259e5e42-12"', '4af981f98d22a0b9979da24b259e5e42-12'],
    ['W/"abc"', 'abc'],
  ])('%s', (etag, expected) => {
    expect(unquoteEtag(etag)).toBe(expected);
  });
});
