import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { outputKeys, outputRefusal, sourceId, utcDay } from '../../functions/aws/output-keys.ts';

const IIS = { id: '38fe731c-1f13-43d4-b878-a5bbe44807e3', version: 1 };
const SOURCE = { bucket: 'sysmon-logs', key: 'samples/web01/iis module install.xml', etag: '763b0c288b5426eda6ce4f1025c5d87a' };

describe('sourceId', () => {
  it('is the first 32 hex digits of sha256 over the documented JSON tuple', () => {
    // Computed outside the code: printf '%s' '["sysmon-s3-detect/source/1","sysmon-logs","samples/web01/iis module install.xml",
    //   "763b0c288b5426eda6ce4f1025c5d87a",[["38fe731c-1f13-43d4-b878-a5bbe44807e3",1]]]' | sha256sum | cut -c1-32
    expect(sourceId(SOURCE, [IIS])).toBe('1cce3fbed36086298645d2c88f3d44cf');
  });

  it('changes with the bucket, the key, the ETag and any detection version; not with detection order', () => {
    const other = { id: '00000000-0000-0000-0000-000000000001', version: 3 };
    const base = sourceId(SOURCE, [IIS, other]);
    expect(sourceId(SOURCE, [other, IIS])).toBe(base);
    for (const changed of [
      sourceId({ ...SOURCE, bucket: 'sysmon-logs-2' }, [IIS, other]),
      sourceId({ ...SOURCE, key: `${SOURCE.key} ` }, [IIS, other]),
      sourceId({ ...SOURCE, etag: '763b0c288b5426eda6ce4f1025c5d87b' }, [IIS, other]),
      sourceId(SOURCE, [{ ...IIS, version: 2 }, other]),
      sourceId(SOURCE, [IIS]),
    ]) {
      expect(changed).not.toBe(base);
    }
  });

  it('has no collisions from joining fields (a key/ETag boundary shift is a different source)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (a, b, c) => {
        fc.pre(b !== '');
        expect(sourceId({ bucket: 'b', key: a + b, etag: c }, [IIS])).not.toBe(sourceId({ bucket: 'b', key: a, etag: b + c }, [IIS]));
      }),
    );
  });
});

describe('outputKeys', () => {
  it('lays out the documented keys', () => {
    const keys = outputKeys('detect/', 'abc123');
    expect(keys.findings('windows_iis_components_add_new_module', '2022-03-25')).toBe(
      'detect/findings/detection=windows_iis_components_add_new_module/dt=2022-03-25/abc123.jsonl',
    );
    expect(keys.ledger).toBe('detect/ledger/abc123.json');
    expect(keys.quarantine).toBe('detect/quarantine/abc123.jsonl');
    expect(keys.checkpoint).toBe('detect/checkpoints/abc123.json');
    expect(outputKeys('', 'x').ledger).toBe('ledger/x.json');
  });

  it.each([
    [Date.UTC(2022, 2, 25, 17, 46, 37, 652), '2022-03-25'],
    [Date.UTC(2022, 2, 25, 23, 59, 59, 999), '2022-03-25'],
    [Date.UTC(2022, 2, 26, 0, 0, 0, 0), '2022-03-26'],
  ])('utcDay(%i) = %s', (ms, day) => {
    expect(utcDay(ms)).toBe(day);
  });
});

describe('outputRefusal (recursion guard)', () => {
  const separate = { findingsBucket: 'findings', logsBucket: 'logs', outputPrefix: '' };
  const shared = { findingsBucket: 'shared', logsBucket: 'shared', outputPrefix: 'out/' };
  const unknownLogs = { findingsBucket: 'findings', logsBucket: undefined, outputPrefix: '' };

  it.each([
    [separate, 'logs', 'findings/x.jsonl', false],
    [separate, 'logs', 'any/key.xml', false],
    [separate, 'findings', 'uploads/sysmon.xml', true],
    [separate, 'findings', 'ledger/abc.json', true],
    [unknownLogs, 'findings', 'anything', true],
    [unknownLogs, 'elsewhere', 'anything', false],
    [shared, 'shared', 'out/findings/detection=x/dt=2022-01-01/a.jsonl', true],
    [shared, 'shared', 'out/ledger/a.json', true],
    [shared, 'shared', 'out/quarantine/a.jsonl', true],
    [shared, 'shared', 'out/checkpoints/a.json', true],
    [shared, 'shared', 'out/map-results/manifest.json', true],
    [shared, 'shared', 'logs/sysmon.xml', false],
    [shared, 'shared', 'findings/not-under-prefix.xml', false],
  ])('%j: s3://%s/%s refused=%s', (where, bucket, key, refused) => {
    expect(outputRefusal(bucket, key, where) !== undefined).toBe(refused);
  });
});
