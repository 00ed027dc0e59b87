import { describe, expect, it } from 'vitest';
import { CHECKPOINT_SCHEMA, mergeResumed, parseCheckpoint, type Checkpoint } from '../../functions/aws/checkpoint.ts';
import type { SourceReport } from '../../functions/core/scan.ts';

const CHECKPOINT: Checkpoint = {
  schema: CHECKPOINT_SCHEMA,
  source_id: 'sid',
  etag: 'etag-1',
  resume: { streamsDone: 0, offset: 1000 },
  state: { aggregations: {} },
  partial: { processEvents: 5, problems: { 'malformed-event': 2 } },
  quarantine: { lines: [], dropped: 0 },
  interruptions: 1,
};

describe('parseCheckpoint', () => {
  it('accepts its own checkpoint for the same source and ETag', () => {
    expect(parseCheckpoint(JSON.stringify(CHECKPOINT), { sourceId: 'sid', etag: 'etag-1' })).toEqual(CHECKPOINT);
  });

  it.each([
    ['another source', JSON.stringify(CHECKPOINT), { sourceId: 'other', etag: 'etag-1' }],
    ['another ETag', JSON.stringify(CHECKPOINT), { sourceId: 'sid', etag: 'etag-2' }],
    ['another schema', JSON.stringify({ ...CHECKPOINT, schema: 'v0' }), { sourceId: 'sid', etag: 'etag-1' }],
    ['no resume offset', JSON.stringify({ ...CHECKPOINT, resume: {} }), { sourceId: 'sid', etag: 'etag-1' }],
    ['not JSON', '{', { sourceId: 'sid', etag: 'etag-1' }],
  ])('ignores %s', (_name, text, expected) => {
    expect(parseCheckpoint(text, expected)).toBeUndefined();
  });
});

describe('mergeResumed', () => {
  it('adds the earlier parts\' process events and problems; keeps the re-read stream counts', () => {
    const report: SourceReport = {
      source: 's3://b/k',
      streams: [{ compression: 'gzip', format: 'xml' }],
      bytesIn: 300,
      bytesDecoded: 3000,
      events: 40,
      processEvents: 7,
      skipped: 20,
      problems: { 'malformed-event': 1, 'oversize-event': 1 },
      status: 'complete',
      durationMs: 12,
    };
    expect(mergeResumed(report, CHECKPOINT)).toEqual({ ...report, processEvents: 12, problems: { 'malformed-event': 3, 'oversize-event': 1 } });
  });
});
