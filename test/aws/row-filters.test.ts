import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/aws/config.ts';
import { loadRowFilters } from '../../functions/aws/row-filters.ts';
import { DETECTIONS } from '../../functions/core/rules/index.ts';
import { startS3, type S3Harness } from '../support/s3rver-harness.ts';
import { FINDINGS, LOGS, testRuntime } from '../support/test-runtime.ts';

const FILTER = '# known-good lab hosts\nsearch NOT dest="lab-*"\n';
const ROW = { dest: 'lab-01', user: 'a', count: 1 };
let s3: S3Harness;

beforeAll(async () => {
  s3 = await startS3([LOGS, FINDINGS, 'config-bucket']);
  await s3.put('config-bucket', 'filters/iis module.txt', FILTER);
});

afterAll(async () => {
  await s3.close();
});

describe('loadRowFilters', () => {
  it('none: no filter, fingerprint says so', async () => {
    expect(await loadRowFilters({ kind: 'none' }, DETECTIONS, async () => '')).toEqual({ bySlug: {}, fingerprint: { source: 'none' } });
  });

  it('inline text applies to every detection, fingerprinted by sha256', async () => {
    const filters = await loadRowFilters({ kind: 'inline', text: FILTER }, DETECTIONS, async () => '');
    const filter = filters.bySlug.windows_iis_components_add_new_module;
    expect(filter?.test(ROW)).toBe(false);
    expect(filter?.test({ ...ROW, dest: 'web-01' })).toBe(true);
    expect(filters.fingerprint).toEqual({ source: 'inline', sha256: createHash('sha256').update(FILTER).digest('hex') });
  });

  it('FILTER_S3_URI is read once through the runtime at cold start', async () => {
    const runtime = await testRuntime(s3, { FILTER_S3_URI: 's3://config-bucket/filters/iis module.txt' });
    expect(runtime.filters.bySlug.windows_iis_components_add_new_module?.test(ROW)).toBe(false);
    expect(runtime.filters.fingerprint.source).toBe('s3');
  });

  it.each([
    [{ FILTER_EXPRESSIONS: 'search dest="unterminated' }, 'FILTER_EXPRESSIONS'],
    [{ FILTER_S3_URI: 's3://config-bucket/filters/missing.txt' }, 'FILTER_S3_URI'],
  ])('%j fails the cold start naming %s', async (env, variable) => {
    const error = await testRuntime(s3, env).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
  });
});
