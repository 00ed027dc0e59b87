import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, ConfigError, parseArchiveWindow, parseS3Uri, readConfig } from '../../functions/aws/config.ts';
import { ENV } from '../../functions/aws/env-names.ts';
import { DECOMPRESSION_DEFAULTS } from '../../functions/core/read/decompress.ts';

const BASE = { FINDINGS_BUCKET: 'sysmon-findings' };

describe('readConfig', () => {
  it('applies the documented defaults and freezes the result', () => {
    const config = readConfig(BASE);
    expect(config).toEqual({
      findingsBucket: 'sysmon-findings',
      logsBucket: undefined,
      outputPrefix: '',
      archivePrefix: '',
      archiveWindow: { kind: 'yesterday' },
      filter: { kind: 'none' },
      userFormat: 'strip-domain',
      maxEventBytes: 1048576,
      maxObjectBytes: 21474836480,
      maxDecompressionRatio: 4000,
      decompressionRatioFloorBytes: 67108864,
      jsonTimeZone: { kind: 'utc' },
      evidenceCap: 20,
      deadlineReserveMs: 20000,
      quarantineMaxLines: 10000,
      s3ReadPartBytes: 8388608,
      s3ReadConcurrency: 4,
      s3Endpoint: undefined,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(CONFIG_DEFAULTS.maxObjectBytes).toBe(20 * 1024 * 1024 * 1024);
    // The bomb guard's defaults are the core's, so an unset variable behaves like the CLI without flags.
    expect(config.maxDecompressionRatio).toBe(DECOMPRESSION_DEFAULTS.maxRatio);
    expect(config.decompressionRatioFloorBytes).toBe(DECOMPRESSION_DEFAULTS.ratioFloor);
  });

  it('reads every variable', () => {
    const config = readConfig({
      FINDINGS_BUCKET: 'out.bucket-1',
      LOGS_BUCKET: 'in-bucket',
      OUTPUT_PREFIX: 'detect/',
      ARCHIVE_PREFIX: 'archive/sysmon/',
      ARCHIVE_WINDOW: 'last-6h',
      FILTER_EXPRESSIONS: 'search NOT dest=lab-*',
      USER_FORMAT: 'as-logged',
      MAX_EVENT_BYTES: '65536',
      MAX_OBJECT_BYTES: '1000000',
      MAX_DECOMPRESSION_RATIO: '100',
      DECOMPRESSION_RATIO_FLOOR_BYTES: '0',
      JSON_TIME_ZONE: '+02:00',
      EVIDENCE_CAP: '0',
      DEADLINE_RESERVE_MS: '5000',
      QUARANTINE_MAX_LINES: '7',
      S3_READ_PART_BYTES: '1048576',
      S3_READ_CONCURRENCY: '1',
      S3_ENDPOINT: 'http://127.0.0.1:4569/',
    });
    expect(config).toEqual({
      findingsBucket: 'out.bucket-1',
      logsBucket: 'in-bucket',
      outputPrefix: 'detect/',
      archivePrefix: 'archive/sysmon/',
      archiveWindow: { kind: 'last-hours', hours: 6 },
      filter: { kind: 'inline', text: 'search NOT dest=lab-*' },
      userFormat: 'as-logged',
      maxEventBytes: 65536,
      maxObjectBytes: 1000000,
      maxDecompressionRatio: 100,
      decompressionRatioFloorBytes: 0,
      jsonTimeZone: { kind: 'offset', text: '+02:00', minutes: 120 },
      evidenceCap: 0,
      deadlineReserveMs: 5000,
      quarantineMaxLines: 7,
      s3ReadPartBytes: 1048576,
      s3ReadConcurrency: 1,
      s3Endpoint: 'http://127.0.0.1:4569',
    });
  });

  it.each([
    ['UTC', 'utc', undefined],
    [' -0530 ', 'offset', -330],
    ['Europe/Berlin', 'iana', undefined],
    ['America/New_York', 'iana', undefined],
  ])('reads JSON_TIME_ZONE %j as a %s zone', (text, kind, minutes) => {
    const zone = readConfig({ ...BASE, JSON_TIME_ZONE: text }).jsonTimeZone;
    expect(zone.kind).toBe(kind);
    if (zone.kind === 'offset') expect(zone.minutes).toBe(minutes);
    if (zone.kind === 'iana') expect(zone.name).toBe(text);
  });

  it('reads the filter location from FILTER_S3_URI', () => {
    expect(readConfig({ ...BASE, FILTER_S3_URI: 's3://config-bucket/filters/iis module.txt' }).filter).toEqual({
      kind: 's3',
      bucket: 'config-bucket',
      key: 'filters/iis module.txt',
    });
  });

  it.each([
    [{}, ENV.findingsBucket, 'is required'],
    [{ FINDINGS_BUCKET: '   ' }, ENV.findingsBucket, 'is required'],
    [{ FINDINGS_BUCKET: 'Upper_Case' }, ENV.findingsBucket, 'not a valid S3 bucket name'],
    [{ FINDINGS_BUCKET: 'ab' }, ENV.findingsBucket, 'not a valid S3 bucket name'],
    [{ FINDINGS_BUCKET: 'a..b' }, ENV.findingsBucket, 'not a valid S3 bucket name'],
    [{ ...BASE, LOGS_BUCKET: 's3://logs' }, ENV.logsBucket, 'not a valid S3 bucket name'],
    [{ ...BASE, OUTPUT_PREFIX: 'out' }, ENV.outputPrefix, 'end with "/"'],
    [{ ...BASE, OUTPUT_PREFIX: '/out/' }, ENV.outputPrefix, 'must not start with "/"'],
    [{ ...BASE, ARCHIVE_PREFIX: 'archive' }, ENV.archivePrefix, 'end with "/"'],
    [{ ...BASE, ARCHIVE_WINDOW: 'last-0h' }, ENV.archiveWindow, 'not one of'],
    [{ ...BASE, ARCHIVE_WINDOW: 'today' }, ENV.archiveWindow, 'not one of'],
    [{ ...BASE, USER_FORMAT: 'domain' }, ENV.userFormat, 'not one of'],
    [{ ...BASE, MAX_EVENT_BYTES: '1e6' }, ENV.maxEventBytes, 'not a whole number'],
    [{ ...BASE, MAX_EVENT_BYTES: '100' }, ENV.maxEventBytes, '≥ 1024'],
    [{ ...BASE, MAX_OBJECT_BYTES: '0' }, ENV.maxObjectBytes, '≥ 1'],
    [{ ...BASE, MAX_DECOMPRESSION_RATIO: '0' }, ENV.maxDecompressionRatio, '≥ 1'],
    [{ ...BASE, MAX_DECOMPRESSION_RATIO: '2.5' }, ENV.maxDecompressionRatio, 'not a whole number'],
    [{ ...BASE, MAX_DECOMPRESSION_RATIO: '4000:1' }, ENV.maxDecompressionRatio, 'not a whole number'],
    [{ ...BASE, DECOMPRESSION_RATIO_FLOOR_BYTES: '64MiB' }, ENV.decompressionRatioFloorBytes, 'not a whole number'],
    [{ ...BASE, DECOMPRESSION_RATIO_FLOOR_BYTES: '-1' }, ENV.decompressionRatioFloorBytes, 'not a whole number'],
    [{ ...BASE, DECOMPRESSION_RATIO_FLOOR_BYTES: '99999999999999999999' }, ENV.decompressionRatioFloorBytes, '≥ 0'],
    [{ ...BASE, JSON_TIME_ZONE: 'Europe/Atlantis' }, ENV.jsonTimeZone, 'is not UTC, an offset'],
    [{ ...BASE, JSON_TIME_ZONE: '+25:00' }, ENV.jsonTimeZone, 'not a valid offset'],
    [{ ...BASE, EVIDENCE_CAP: '-1' }, ENV.evidenceCap, 'not a whole number'],
    [{ ...BASE, DEADLINE_RESERVE_MS: 'soon' }, ENV.deadlineReserveMs, 'not a whole number'],
    [{ ...BASE, QUARANTINE_MAX_LINES: '99999999999999999999' }, ENV.quarantineMaxLines, '≥ 0'],
    [{ ...BASE, S3_READ_PART_BYTES: '8MiB' }, ENV.s3ReadPartBytes, 'not a whole number'],
    [{ ...BASE, S3_READ_PART_BYTES: '1048575' }, ENV.s3ReadPartBytes, '≥ 1048576'],
    [{ ...BASE, S3_READ_PART_BYTES: '1073741825' }, ENV.s3ReadPartBytes, 'at most 1073741824'],
    [{ ...BASE, S3_READ_CONCURRENCY: '0' }, ENV.s3ReadConcurrency, '≥ 1'],
    [{ ...BASE, S3_READ_CONCURRENCY: '65' }, ENV.s3ReadConcurrency, 'at most 64'],
    [{ ...BASE, FILTER_EXPRESSIONS: 'x', FILTER_S3_URI: 's3://b-1/k' }, ENV.filterS3Uri, 'not both'],
    [{ ...BASE, FILTER_S3_URI: 'https://b/k' }, ENV.filterS3Uri, 'not an s3://bucket/key URI'],
    [{ ...BASE, FILTER_S3_URI: 's3://bucket-only/' }, ENV.filterS3Uri, 'not an s3://bucket/key URI'],
    [{ ...BASE, S3_ENDPOINT: '127.0.0.1:4569' }, ENV.s3Endpoint, ''],
    [{ ...BASE, S3_ENDPOINT: 'ftp://127.0.0.1' }, ENV.s3Endpoint, 'must be http(s)'],
  ])('rejects %j naming %s', (env, variable, fragment) => {
    let caught: unknown;
    try {
      readConfig(env);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe(variable);
    expect((caught as ConfigError).message.startsWith(`${variable}: `)).toBe(true);
    expect((caught as ConfigError).message).toContain(fragment);
  });
});

describe('parseArchiveWindow', () => {
  it.each([
    ['yesterday', { kind: 'yesterday' }],
    ['all', { kind: 'all' }],
    ['last-1h', { kind: 'last-hours', hours: 1 }],
    ['last-8760h', { kind: 'last-hours', hours: 8760 }],
  ])('%s', (text, expected) => {
    expect(parseArchiveWindow(text)).toEqual(expected);
  });

  it.each(['last-8761h', 'last-h', 'Yesterday', 'last-24', ''])('rejects %j', (text) => {
    expect(() => parseArchiveWindow(text)).toThrow(ConfigError);
  });
});

describe('parseS3Uri', () => {
  it('splits bucket and key, keeping slashes and spaces in the key', () => {
    expect(parseS3Uri('s3://my-bucket/a/b c/d.txt', ENV.filterS3Uri)).toEqual({ bucket: 'my-bucket', key: 'a/b c/d.txt' });
  });
});
