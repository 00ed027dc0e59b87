/**
 * The filter macro from the configuration → compiled row filters by detection slug. One filter text applies to every
 * detection (this build runs one; a per-detection syntax can come with the second). Read once at cold start.
 */
import { createHash } from 'node:crypto';
import type { Detection } from '../core/rules/detection.ts';
import { compileFilter, type RowFilter } from '../core/search/search-filter.ts';
import { ConfigError, type FilterSource } from './config.ts';
import { ENV } from './env-names.ts';

/** The compiled filters and a fingerprint of their text (recorded in every ledger entry). */
export interface RowFilters {
  /** By detection slug; empty when no filter is configured. */
  readonly bySlug: Readonly<Record<string, RowFilter>>;
  /** `none`, or `inline`/`s3` with the sha256 of the text, so a ledger says which filter produced its rows. */
  readonly fingerprint: { source: FilterSource['kind']; sha256?: string };
}

/** Reads an object's text (the filter file). */
export type ReadText = (bucket: string, key: string) => Promise<string>;

/** Compiles the configured filter text for every detection; a syntax error is a ConfigError naming the variable. */
export async function loadRowFilters(source: FilterSource, detections: readonly Detection[], readText: ReadText): Promise<RowFilters> {
  if (source.kind === 'none') return Object.freeze({ bySlug: Object.freeze({}), fingerprint: { source: 'none' as const } });
  const variable = source.kind === 'inline' ? ENV.filterExpressions : ENV.filterS3Uri;
  let text: string;
  if (source.kind === 'inline') {
    text = source.text;
  } else {
    try {
      text = await readText(source.bucket, source.key);
    } catch (error) {
      throw new ConfigError(variable, `cannot read s3://${source.bucket}/${source.key}: ${(error as Error).message}`);
    }
  }
  let filter: RowFilter;
  try {
    filter = compileFilter(text);
  } catch (error) {
    throw new ConfigError(variable, (error as Error).message);
  }
  const bySlug = Object.freeze(Object.fromEntries(detections.map((d) => [d.slug, filter])));
  const sha256 = createHash('sha256').update(text).digest('hex');
  return Object.freeze({ bySlug, fingerprint: { source: source.kind, sha256 } });
}
