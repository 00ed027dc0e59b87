/**
 * JSON_TIME_ZONE reaches the scan: the NXLog form of the 40 real Sysmon events with the planted true positives
 * (test/support/format-variants.ts), without Logstash's zoned `@timestamp` so only NXLog's zone-less EventTime is left,
 * gives the XML object's rows with firstTime/lastTime read in the configured zone.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazyRuntime } from '../../functions/aws/function-runtime.ts';
import type { LedgerEntry } from '../../functions/aws/ledger-entry.ts';
import { sourceId } from '../../functions/aws/output-keys.ts';
import type { DirectResponse } from '../../functions/aws/upload-deliveries.ts';
import { createOnLogUploadedHandler } from '../../functions/handlers/on-log-uploaded.ts';
import { DETECTIONS } from '../../functions/core/rules/index.ts';
import { allForms } from '../support/format-variants.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { startS3, type S3Harness } from '../support/s3rver-harness.ts';
import { FINDINGS, LOGS, testRuntime } from '../support/test-runtime.ts';

let s3: S3Harness;

const nxlog = (allForms().find(([label]) => label.startsWith('NXLog')) as [string, Uint8Array])[1];
const ZONELESS = Buffer.from(
  new TextDecoder()
    .decode(nxlog)
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const record = JSON.parse(line) as Record<string, unknown>;
      delete record['@timestamp'];
      return `${JSON.stringify(record)}\n`;
    })
    .join(''),
);

beforeAll(async () => {
  s3 = await startS3([LOGS, FINDINGS]);
});

afterAll(async () => {
  await s3.close();
});

/** [process_id, firstTime, lastTime] of each row the upload handler wrote, with JSON_TIME_ZONE as given. */
async function times(zone: string | undefined, key: string): Promise<string[][]> {
  await s3.put(LOGS, key, ZONELESS);
  const runtime = await testRuntime(s3, zone === undefined ? {} : { JSON_TIME_ZONE: zone });
  const handler = createOnLogUploadedHandler(lazyRuntime(async () => runtime));
  const notification = { Records: [{ eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: LOGS }, object: { key } } }] };
  const response = (await handler(notification, lambdaContext())) as DirectResponse;
  expect(response.items).toHaveLength(1);
  const etag = createHash('md5').update(ZONELESS).digest('hex');
  const entry = JSON.parse(await s3.getText(FINDINGS, `ledger/${sourceId({ bucket: LOGS, key, etag }, DETECTIONS)}.json`)) as LedgerEntry;
  expect(entry).toMatchObject({ status: 'complete', events: 40, rows: 3 });
  const rows: string[][] = [];
  for (const file of entry.findings) {
    for (const line of (await s3.getText(FINDINGS, file.key)).split('\n').filter(Boolean)) {
      const row = JSON.parse(line) as Record<string, unknown>;
      rows.push([String(row.process_id), String(row.firstTime), String(row.lastTime)]);
    }
  }
  return rows.sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

describe('JSON_TIME_ZONE through the upload handler', () => {
  // The planted rows' EventTime (= the XML's SystemTime, 2019-05-27 01:29 UTC): CEST +02:00, EDT -04:00 that day.
  it.each<[string | undefined, string[][]]>([
    [undefined, [['1900', '2019-05-27T01:29:20'], ['2104', '2019-05-27T01:29:17'], ['3144', '2019-05-27T01:29:18']]],
    ['Europe/Berlin', [['1900', '2019-05-26T23:29:20'], ['2104', '2019-05-26T23:29:17'], ['3144', '2019-05-26T23:29:18']]],
    ['America/New_York', [['1900', '2019-05-27T05:29:20'], ['2104', '2019-05-27T05:29:17'], ['3144', '2019-05-27T05:29:18']]],
    ['+05:30', [['1900', '2019-05-26T19:59:20'], ['2104', '2019-05-26T19:59:17'], ['3144', '2019-05-26T19:59:18']]],
  ])('JSON_TIME_ZONE %s: rows at %j', async (zone, rows) => {
    const key = `uploads/nxlog-${(zone ?? 'unset').replace(/[^A-Za-z0-9]/g, '_')}.json`;
    expect(await times(zone, key)).toEqual(rows.map(([id, time]) => [id, time, time]));
  });

  it('a bad JSON_TIME_ZONE fails the invocation naming the variable', async () => {
    await expect(testRuntime(s3, { JSON_TIME_ZONE: 'Mars/Olympus' })).rejects.toThrow(/^JSON_TIME_ZONE: "Mars\/Olympus" is not UTC/);
  });
});
