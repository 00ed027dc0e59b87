/**
 * Both scanning handlers over every input format and packaging, through the real SDK against s3rver: the same 40 real
 * Sysmon events with three planted true positives (test/support/format-variants.ts) as EVTX, XML, NXLog, evtx_dump,
 * Winlogbeat 6/8, and as gzip, zip and tar.gz objects. Every object ends complete, with every event read and no problem,
 * and the same three rows as the XML object (twice the count where an archive holds two forms).
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazyRuntime } from '../../functions/aws/function-runtime.ts';
import type { LedgerEntry } from '../../functions/aws/ledger-entry.ts';
import { encodeS3Key } from '../../functions/aws/object-events.ts';
import { sourceId } from '../../functions/aws/output-keys.ts';
import type { DirectResponse } from '../../functions/aws/upload-deliveries.ts';
import { createOnLogUploadedHandler } from '../../functions/handlers/on-log-uploaded.ts';
import { createScanBatchHandler } from '../../functions/handlers/scan-batch.ts';
import { DETECTIONS } from '../../functions/core/rules/index.ts';
import { allForms, ustar } from '../support/format-variants.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { startS3, type S3Harness } from '../support/s3rver-harness.ts';
import { FINDINGS, LOGS, testRuntime } from '../support/test-runtime.ts';

let s3: S3Harness;
const forms = allForms();
const form = (label: string): Uint8Array => (forms.find(([l]) => l.startsWith(label)) as [string, Uint8Array])[1];

/** Object name, bytes, and what its ledger must say: format, compression, events, the count of each row. */
const OBJECTS: Array<[string, Uint8Array, string, string, number, number]> = [
  ['appcmd.xml.log', form('XmlWinEventLog'), 'xml', 'none', 40, 1],
  ['appcmd.evtx', form('EVTX'), 'evtx', 'none', 40, 1],
  ['appcmd.nxlog.json', form('NXLog'), 'jsonl', 'none', 40, 1],
  ['appcmd.evtx_dump.txt', form('evtx_dump with its Record separators'), 'jsonl', 'none', 40, 1],
  ['appcmd.winlogbeat6.json', form('Winlogbeat 6'), 'jsonl', 'none', 40, 1],
  ['appcmd.winlogbeat8.json', form('Winlogbeat 8'), 'jsonl', 'none', 40, 1],
  ['appcmd.evtx.gz', gzipSync(form('EVTX')), 'evtx', 'gzip', 40, 1],
  ['appcmd.zip', zipSync({ 'a/appcmd.evtx': form('EVTX'), 'a/appcmd.json': form('NXLog') }), 'mixed', 'zip', 80, 2],
  ['appcmd.tar.gz', gzipSync(ustar({ 'appcmd.xml': form('XmlWinEventLog'), 'appcmd.evtx_dump.json': form('evtx_dump, pretty') })), 'mixed', 'gzip', 80, 2],
];

const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');
const idOf = (key: string, bytes: Uint8Array): string => sourceId({ bucket: LOGS, key, etag: md5(bytes) }, DETECTIONS);

async function ledger(id: string): Promise<LedgerEntry> {
  return JSON.parse(await s3.getText(FINDINGS, `ledger/${id}.json`)) as LedgerEntry;
}

/** The rows an object produced, without what names the object (id, evidence), sorted. */
async function rowsOf(entry: LedgerEntry): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = [];
  for (const file of entry.findings) {
    for (const line of (await s3.getText(FINDINGS, file.key)).split('\n').filter(Boolean)) {
      const { id: _id, evidence: _evidence, ...row } = JSON.parse(line) as Record<string, unknown>;
      rows.push(row);
    }
  }
  return rows.sort((a, b) => String(a.process_id).localeCompare(String(b.process_id)));
}

beforeAll(async () => {
  s3 = await startS3([LOGS, FINDINGS]);
  for (const [name, bytes] of OBJECTS) {
    await s3.put(LOGS, `uploads/${name}`, bytes);
    await s3.put(LOGS, `archive/${name}`, bytes);
  }
});

afterAll(async () => {
  await s3.close();
});

describe('every format through both handlers', () => {
  it('on-log-uploaded: every object complete, every event read, the XML object’s rows', async () => {
    const handler = createOnLogUploadedHandler(lazyRuntime(() => testRuntime(s3)));
    const notification = {
      Records: OBJECTS.map(([name]) => ({ eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: LOGS }, object: { key: encodeS3Key(`uploads/${name}`) } } })),
    };
    const response = (await handler(notification, lambdaContext())) as DirectResponse;
    expect(response.items.map((i) => (i.kind === 'object' ? i.outcome.status : i.kind))).toEqual(OBJECTS.map(() => 'complete'));
    const xmlRows = await rowsOf(await ledger(idOf('uploads/appcmd.xml.log', form('XmlWinEventLog'))));
    expect(xmlRows).toHaveLength(3);
    for (const [name, bytes, format, compression, events, count] of OBJECTS) {
      const entry = await ledger(idOf(`uploads/${name}`, bytes));
      expect({ name, status: entry.status, format: entry.format, compression: entry.compression, events: entry.events, problems: entry.problems_total, rows: entry.rows }).toEqual({
        name,
        status: 'complete',
        format,
        compression,
        events,
        problems: 0,
        rows: 3,
      });
      expect(await rowsOf(entry)).toEqual(xmlRows.map((row) => ({ ...row, count: count * (row.count as number) })));
    }
  });

  it('scan-batch (archive scan): the same outcome per object', async () => {
    const handler = createScanBatchHandler(lazyRuntime(() => testRuntime(s3)));
    const items = OBJECTS.map(([name, bytes]) => ({ Key: `archive/${name}`, Etag: `"${md5(bytes)}"`, LastModified: 1795687201, Size: bytes.length, StorageClass: 'STANDARD' }));
    const plan = {
      bucket: LOGS,
      prefix: 'archive/',
      window: { mode: 'last-modified', from: '2026-11-26T00:00:00.000Z', to: '2026-11-27T00:00:00.000Z' },
      detections: DETECTIONS.map((d) => ({ id: d.id, slug: d.slug, version: d.version })),
      reference: '2026-11-27T01:15:00.000Z',
    };
    const result = await handler({ Items: items, BatchInput: { bucket: LOGS, plan } }, lambdaContext());
    expect(result.results.map((r) => [r.key, r.status, r.rows])).toEqual(OBJECTS.map(([name]) => [`archive/${name}`, 'complete', 3]));
    for (const [name, bytes, , , events] of OBJECTS) {
      expect(await ledger(idOf(`archive/${name}`, bytes))).toMatchObject({ status: 'complete', events, problems_total: 0 });
    }
  });
});
