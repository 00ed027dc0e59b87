import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inWindow, parsePlanRequest, planArchiveScan, PlanRequestError } from '../../functions/aws/archive-plan.ts';
import { ConfigError } from '../../functions/aws/config.ts';
import { startS3, type S3Harness } from '../support/s3rver-harness.ts';
import { FINDINGS, LOGS, testRuntime } from '../support/test-runtime.ts';

let s3: S3Harness;
const SCHEDULED = '2026-11-27T01:15:00Z';
const IIS = [{ id: '38fe731c-1f13-43d4-b878-a5bbe44807e3', slug: 'windows_iis_components_add_new_module', version: 1 }];

beforeAll(async () => {
  s3 = await startS3([LOGS, FINDINGS]);
  await s3.put(LOGS, 'hive/dt=2026-11-26/host1.xml', '<Events/>');
  await s3.put(LOGS, 'hive/dt=2026-11-25/host1.xml', '<Events/>');
  await s3.put(LOGS, 'flat/host1.xml', '<Events/>');
});

afterAll(async () => {
  await s3.close();
});

describe('planArchiveScan', () => {
  it('yesterday with a dt= partition for the day before scheduledTime: lists only that partition', async () => {
    const runtime = await testRuntime(s3, { ARCHIVE_PREFIX: 'hive/' });
    expect(await planArchiveScan(runtime, { scheduledTime: SCHEDULED })).toEqual({
      bucket: LOGS,
      prefix: 'hive/dt=2026-11-26/',
      window: { mode: 'partition', day: '2026-11-26' },
      detections: IIS,
      reference: '2026-11-27T01:15:00.000Z',
    });
  });

  it('yesterday without partitions: the whole prefix, kept by LastModified within the previous UTC day', async () => {
    const runtime = await testRuntime(s3, { ARCHIVE_PREFIX: 'flat/' });
    expect(await planArchiveScan(runtime, { scheduledTime: SCHEDULED })).toMatchObject({
      prefix: 'flat/',
      window: { mode: 'last-modified', from: '2026-11-26T00:00:00.000Z', to: '2026-11-27T00:00:00.000Z' },
    });
  });

  it('a manual day and window override', async () => {
    const runtime = await testRuntime(s3, { ARCHIVE_PREFIX: 'hive/' });
    expect(await planArchiveScan(runtime, { day: '2026-11-25' })).toMatchObject({ prefix: 'hive/dt=2026-11-25/', window: { mode: 'partition', day: '2026-11-25' } });
    expect(await planArchiveScan(runtime, { scheduledTime: SCHEDULED, window: 'last-6h' })).toMatchObject({
      prefix: 'hive/',
      window: { mode: 'last-modified', from: '2026-11-26T19:15:00.000Z', to: '2026-11-27T01:15:00.000Z' },
    });
    expect(await planArchiveScan(runtime, { window: 'all', prefix: 'hive/dt=2026-11-25/' })).toMatchObject({ prefix: 'hive/dt=2026-11-25/', window: { mode: 'all' } });
  });

  it('the configured ARCHIVE_WINDOW applies without an override', async () => {
    const runtime = await testRuntime(s3, { ARCHIVE_PREFIX: 'flat/', ARCHIVE_WINDOW: 'last-24h' });
    expect((await planArchiveScan(runtime, { scheduledTime: SCHEDULED })).window).toEqual({
      mode: 'last-modified',
      from: '2026-11-26T01:15:00.000Z',
      to: '2026-11-27T01:15:00.000Z',
    });
  });

  it('refuses a prefix outside ARCHIVE_PREFIX and a missing LOGS_BUCKET', async () => {
    const runtime = await testRuntime(s3, { ARCHIVE_PREFIX: 'hive/' });
    await expect(planArchiveScan(runtime, { prefix: 'flat/' })).rejects.toBeInstanceOf(PlanRequestError);
    const noLogs = await testRuntime(s3, { LOGS_BUCKET: '' });
    await expect(planArchiveScan(noLogs, {})).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('parsePlanRequest', () => {
  it('keeps the known string fields of the scheduler payload', () => {
    expect(parsePlanRequest({ trigger: 'schedule', scheduledTime: SCHEDULED, scheduleExecutionId: 'x', window: 'all' })).toEqual({ scheduledTime: SCHEDULED, window: 'all' });
    expect(parsePlanRequest(undefined)).toEqual({});
  });

  it.each([
    [[1], '$'],
    [{ scheduledTime: 'yesterday' }, 'scheduledTime'],
    [{ day: '2026-13-40' }, 'day'],
    [{ window: 7 }, 'window'],
  ])('rejects %j naming %s', (input, field) => {
    expect(() => parsePlanRequest(input)).toThrow(expect.objectContaining({ field }));
  });
});

describe('inWindow', () => {
  const day = { mode: 'last-modified' as const, from: '2026-11-26T00:00:00.000Z', to: '2026-11-27T00:00:00.000Z' };
  it.each([
    ['2026-11-26T00:00:00.000Z', true],
    ['2026-11-26T23:59:59.999Z', true],
    ['2026-11-27T00:00:00.000Z', false],
    ['2026-11-25T23:59:59.999Z', false],
  ])('%s in the previous day: %s', (time, expected) => {
    expect(inWindow(day, new Date(time))).toBe(expected);
  });

  it('keeps objects of unknown time and everything in partition/all windows', () => {
    expect(inWindow(day, undefined)).toBe(true);
    expect(inWindow({ mode: 'all' }, new Date(0))).toBe(true);
    expect(inWindow({ mode: 'partition', day: '2026-11-26' }, new Date(0))).toBe(true);
  });
});
