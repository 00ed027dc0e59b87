/**
 * CDK context → PipelineSettings: each key read with its type and range (command-line `-c` values arrive as strings,
 * cdk.json may hold numbers, booleans and lists), missing ones from DEFAULT_SETTINGS, then the cross-field rules of
 * checkSettings. A bad value throws SettingsError naming the key.
 */
import type { Node } from 'constructs';
import { checkSettings, DEFAULT_SETTINGS, SettingsError, type PipelineSettings } from './pipeline-settings.ts';

type Key = keyof PipelineSettings;
type Raw = (key: Key) => unknown;

function text(raw: Raw, key: Key, fallback: string): string {
  const value = raw(key);
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw new SettingsError(key, `expected a string, got ${JSON.stringify(value)}`);
  return value;
}

function optionalText(raw: Raw, key: Key): string | undefined {
  const value = text(raw, key, '');
  return value === '' ? undefined : value;
}

function integer(raw: Raw, key: Key, fallback: number, range: { min: number; max: number }): number {
  const value = raw(key);
  if (value === undefined) return fallback;
  // Command-line context arrives as a string; cdk.json may hold a number.
  const parsed = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(parsed) || parsed < range.min || parsed > range.max) {
    throw new SettingsError(key, `expected an integer in ${range.min}..${range.max}, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function optionalInteger(raw: Raw, key: Key, range: { min: number; max: number }): number | undefined {
  return raw(key) === undefined || raw(key) === '' ? undefined : integer(raw, key, 0, range);
}

function flag(raw: Raw, key: Key, fallback: boolean): boolean {
  const value = raw(key);
  if (value === undefined) return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new SettingsError(key, `expected true or false, got ${JSON.stringify(value)}`);
}

function oneOf<T extends string>(raw: Raw, key: Key, fallback: T, allowed: readonly T[]): T {
  const value = text(raw, key, fallback);
  const found = allowed.find((option) => option === value);
  if (found === undefined) throw new SettingsError(key, `expected one of ${allowed.join(', ')}, got "${value}"`);
  return found;
}

function list(raw: Raw, key: Key, fallback: readonly string[]): readonly string[] {
  const value = raw(key);
  if (value === undefined) return fallback;
  if (Array.isArray(value) && value.every((item): item is string => typeof item === 'string')) return value;
  // On the command line: comma-separated (`-c uploadSuffixes=.xml,.xml.gz`).
  if (typeof value === 'string') return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
  throw new SettingsError(key, `expected a list of strings, got ${JSON.stringify(value)}`);
}

function prefix(raw: Raw, key: Key, fallback: string): string {
  const value = text(raw, key, fallback);
  if (value !== '' && !value.endsWith('/')) throw new SettingsError(key, `a prefix must be '' or end with '/', got "${value}"`);
  if (value.startsWith('/')) throw new SettingsError(key, `S3 keys do not start with '/', got "${value}"`);
  return value;
}

/** Reads the settings from CDK context, falling back to DEFAULT_SETTINGS; throws SettingsError on a bad value. */
export function settingsFromContext(node: Node): PipelineSettings {
  const raw: Raw = (key) => node.tryGetContext(key);
  const d = DEFAULT_SETTINGS;
  const settings: PipelineSettings = {
    stackName: text(raw, 'stackName', d.stackName),
    logsBucketName: optionalText(raw, 'logsBucketName'),
    findingsBucketName: optionalText(raw, 'findingsBucketName'),
    encryption: oneOf(raw, 'encryption', d.encryption, ['s3-managed', 'kms']),
    kmsKeyArn: optionalText(raw, 'kmsKeyArn'),
    outputPrefix: prefix(raw, 'outputPrefix', d.outputPrefix),
    uploadPrefix: prefix(raw, 'uploadPrefix', d.uploadPrefix),
    uploadSuffixes: list(raw, 'uploadSuffixes', d.uploadSuffixes),
    archivePrefix: prefix(raw, 'archivePrefix', d.archivePrefix),
    archiveWindow: text(raw, 'archiveWindow', d.archiveWindow),
    archiveSchedule: text(raw, 'archiveSchedule', d.archiveSchedule),
    archiveScheduleEnabled: flag(raw, 'archiveScheduleEnabled', d.archiveScheduleEnabled),
    archiveItemsPerBatch: integer(raw, 'archiveItemsPerBatch', d.archiveItemsPerBatch, { min: 1, max: 10_000 }),
    archiveMaxConcurrency: integer(raw, 'archiveMaxConcurrency', d.archiveMaxConcurrency, { min: 1, max: 10_000 }),
    archiveToleratedFailurePercentage: integer(raw, 'archiveToleratedFailurePercentage', d.archiveToleratedFailurePercentage, { min: 0, max: 100 }),
    filterExpressions: text(raw, 'filterExpressions', d.filterExpressions),
    filterS3Uri: optionalText(raw, 'filterS3Uri'),
    userFormat: oneOf(raw, 'userFormat', d.userFormat, ['strip-domain', 'as-logged']),
    logLevel: oneOf(raw, 'logLevel', d.logLevel, ['DEBUG', 'INFO', 'WARN', 'ERROR']),
    metricsNamespace: text(raw, 'metricsNamespace', d.metricsNamespace),
    // Same bounds as functions/aws/config.ts: fail at synth, not at the first invocation.
    s3ReadPartBytes: integer(raw, 's3ReadPartBytes', d.s3ReadPartBytes, { min: 1024 * 1024, max: 1024 ** 3 }),
    s3ReadConcurrency: integer(raw, 's3ReadConcurrency', d.s3ReadConcurrency, { min: 1, max: 64 }),
    maxObjectBytes: integer(raw, 'maxObjectBytes', d.maxObjectBytes, { min: 1, max: Number.MAX_SAFE_INTEGER }),
    maxDecompressionRatio: integer(raw, 'maxDecompressionRatio', d.maxDecompressionRatio, { min: 1, max: Number.MAX_SAFE_INTEGER }),
    decompressionRatioFloorBytes: integer(raw, 'decompressionRatioFloorBytes', d.decompressionRatioFloorBytes, { min: 0, max: Number.MAX_SAFE_INTEGER }),
    jsonTimeZone: text(raw, 'jsonTimeZone', d.jsonTimeZone).trim(),
    uploadFunctionMemoryMb: integer(raw, 'uploadFunctionMemoryMb', d.uploadFunctionMemoryMb, { min: 128, max: 10_240 }),
    uploadFunctionTimeoutSeconds: integer(raw, 'uploadFunctionTimeoutSeconds', d.uploadFunctionTimeoutSeconds, { min: 10, max: 900 }),
    uploadFunctionReservedConcurrency: optionalInteger(raw, 'uploadFunctionReservedConcurrency', { min: 1, max: 10_000 }),
    scanFunctionMemoryMb: integer(raw, 'scanFunctionMemoryMb', d.scanFunctionMemoryMb, { min: 128, max: 10_240 }),
    scanFunctionTimeoutSeconds: integer(raw, 'scanFunctionTimeoutSeconds', d.scanFunctionTimeoutSeconds, { min: 10, max: 900 }),
    scanFunctionReservedConcurrency: optionalInteger(raw, 'scanFunctionReservedConcurrency', { min: 1, max: 10_000 }),
    logRetentionDays: integer(raw, 'logRetentionDays', d.logRetentionDays, { min: 1, max: 3653 }),
    queueBatchSize: integer(raw, 'queueBatchSize', d.queueBatchSize, { min: 1, max: 10_000 }),
    queueMaxBatchingWindowSeconds: integer(raw, 'queueMaxBatchingWindowSeconds', d.queueMaxBatchingWindowSeconds, { min: 0, max: 300 }),
    queueMaxConcurrency: integer(raw, 'queueMaxConcurrency', d.queueMaxConcurrency, { min: 2, max: 1000 }),
    logsInfrequentAccessAfterDays: integer(raw, 'logsInfrequentAccessAfterDays', d.logsInfrequentAccessAfterDays, { min: 0, max: 36_500 }),
    logsGlacierInstantAfterDays: integer(raw, 'logsGlacierInstantAfterDays', d.logsGlacierInstantAfterDays, { min: 0, max: 36_500 }),
    logsExpireAfterDays: integer(raw, 'logsExpireAfterDays', d.logsExpireAfterDays, { min: 0, max: 36_500 }),
    noncurrentVersionDays: integer(raw, 'noncurrentVersionDays', d.noncurrentVersionDays, { min: 1, max: 36_500 }),
    alarmEmail: optionalText(raw, 'alarmEmail'),
    queueAgeAlarmSeconds: integer(raw, 'queueAgeAlarmSeconds', d.queueAgeAlarmSeconds, { min: 60, max: 1_209_600 }),
  };
  return checkSettings(settings);
}
