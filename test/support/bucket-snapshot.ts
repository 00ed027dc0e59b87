/**
 * Every object of a bucket with its text, ledger timings blanked (started/ended/duration_ms legitimately differ between
 * two scans of the same bytes; everything else must not).
 */
import type { S3Harness } from './s3rver-harness.ts';

/** key → text (ledger entries re-serialized without their timings). */
export async function bucketSnapshot(s3: S3Harness, bucket: string, prefix = ''): Promise<Record<string, string>> {
  const snapshot: Record<string, string> = {};
  for (const key of (await s3.list(bucket, prefix)).sort()) {
    const text = await s3.getText(bucket, key);
    snapshot[key] = key.includes('ledger/') ? withoutTimings(text) : text;
  }
  return snapshot;
}

/** A ledger entry's text with started/ended/duration_ms removed. */
export function withoutTimings(ledgerText: string): string {
  const { started: _s, ended: _e, duration_ms: _d, ...rest } = JSON.parse(ledgerText) as Record<string, unknown>;
  return JSON.stringify(rest);
}
