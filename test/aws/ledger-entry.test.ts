import { describe, expect, it } from 'vitest';
import { LEDGER_SCHEMA, ledgerEntry, renderLedgerEntry } from '../../functions/aws/ledger-entry.ts';
import { DETECTIONS } from '../../functions/core/rules/index.ts';
import type { SourceReport } from '../../functions/core/scan.ts';

const REPORT: SourceReport = {
  source: 's3://logs/a.log.gz',
  streams: [{ compression: 'gzip', format: 'xml' }],
  bytesIn: 1770,
  bytesDecoded: 6350,
  events: 3,
  processEvents: 3,
  skipped: 3,
  problems: { 'oversize-event': 1, 'malformed-event': 2 },
  status: 'complete',
  durationMs: 4,
};

const INPUT = {
  sourceId: 'sid',
  bucket: 'logs',
  key: 'a.log.gz',
  versionId: undefined,
  etag: 'e',
  size: 1770,
  report: REPORT,
  files: [{ slug: 'windows_iis_components_add_new_module', day: '2023-04-12', key: 'findings/x.jsonl', rows: 2, body: '' }],
  quarantine: { key: 'quarantine/sid.jsonl', lines: 3, dropped: 0 },
  detections: DETECTIONS,
  filter: { source: 'none' as const },
  started: new Date('2026-11-27T10:00:00.000Z'),
  ended: new Date('2026-11-27T10:00:00.250Z'),
};

describe('ledgerEntry', () => {
  it('carries every documented field, problems sorted by reason', () => {
    expect(ledgerEntry(INPUT)).toEqual({
      schema: LEDGER_SCHEMA,
      source_id: 'sid',
      bucket: 'logs',
      key: 'a.log.gz',
      version_id: null,
      etag: 'e',
      size: 1770,
      status: 'complete',
      failure: null,
      resume: null,
      format: 'xml',
      compression: 'gzip',
      streams: [{ compression: 'gzip', format: 'xml' }],
      bytes_read: 1770,
      bytes_decoded: 6350,
      events: 3,
      process_events: 3,
      prefiltered: 3,
      problems: { 'malformed-event': 2, 'oversize-event': 1 },
      problems_total: 3,
      rows: 2,
      findings: [{ detection: 'windows_iis_components_add_new_module', key: 'findings/x.jsonl', rows: 2 }],
      quarantine: { key: 'quarantine/sid.jsonl', lines: 3, dropped: 0 },
      detections: [{ id: '38fe731c-1f13-43d4-b878-a5bbe44807e3', slug: 'windows_iis_components_add_new_module', version: 1 }],
      filter: { source: 'none' },
      started: '2026-11-27T10:00:00.000Z',
      ended: '2026-11-27T10:00:00.250Z',
      duration_ms: 250,
    });
    expect(Object.keys(JSON.parse(renderLedgerEntry(ledgerEntry(INPUT))) as object)[0]).toBe('schema');
  });

  it.each([
    [[], 'empty', 'empty'],
    [[{ entry: 'a', compression: 'zip', format: 'xml' }, { entry: 'b', compression: 'zip', format: 'evtx' }], 'mixed', 'zip'],
  ])('summarizes streams %j as format %s, compression %s', (streams, format, compression) => {
    const entry = ledgerEntry({ ...INPUT, report: { ...REPORT, streams } });
    expect([entry.format, entry.compression]).toEqual([format, compression]);
  });

  it('records the failure of a failed object and the resume point of an interrupted one', () => {
    const failure = { reason: 'corrupt-compression' as const, message: 'bad gzip', offset: 40 };
    expect(ledgerEntry({ ...INPUT, report: { ...REPORT, status: 'failed', failure } })).toMatchObject({ status: 'failed', failure, resume: null });
    const resume = { streamsDone: 0, offset: 4096 };
    expect(ledgerEntry({ ...INPUT, report: { ...REPORT, status: 'interrupted', resume } })).toMatchObject({ status: 'interrupted', resume, failure: null });
  });
});
