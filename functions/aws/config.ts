/**
 * Environment → frozen, typed Config, read once at cold start. Every value is validated here, so a bad deployment fails
 * at the first invocation with the variable's name instead of deep inside a scan.
 */
import type { UserFormat } from '../core/normalize/process-event.ts';
import { DECOMPRESSION_DEFAULTS } from '../core/read/decompress.ts';
import { parseJsonTimeZone, TimeZoneError, UTC_ZONE, type JsonTimeZone } from '../core/read/json-time-zone.ts';
import { ENV, type EnvName } from './env-names.ts';

/** Which archived objects a scheduled run sweeps. */
export type ArchiveWindow = { kind: 'yesterday' } | { kind: 'last-hours'; hours: number } | { kind: 'all' };

/** Where the `<detection>_filter` macro body comes from. */
export type FilterSource = { kind: 'none' } | { kind: 'inline'; text: string } | { kind: 's3'; bucket: string; key: string };

/** Everything the functions read from their environment. */
export interface Config {
  readonly findingsBucket: string;
  /** Absent on the upload path when not set; the archive scan needs it. */
  readonly logsBucket: string | undefined;
  /** '' or ending in '/': the output folders live under it. */
  readonly outputPrefix: string;
  readonly archivePrefix: string;
  readonly archiveWindow: ArchiveWindow;
  readonly filter: FilterSource;
  readonly userFormat: UserFormat;
  readonly maxEventBytes: number;
  readonly maxObjectBytes: number;
  /** Decompression-bomb guard: most decoded bytes per compressed byte, checked past the floor. */
  readonly maxDecompressionRatio: number;
  /** Decoded bytes of an object before the ratio is checked. */
  readonly decompressionRatioFloorBytes: number;
  /** Zone of zone-less JSON timestamps (NXLog's EventTime). */
  readonly jsonTimeZone: JsonTimeZone;
  readonly evidenceCap: number;
  readonly deadlineReserveMs: number;
  readonly quarantineMaxLines: number;
  /** Bytes per ranged GET of a large object. */
  readonly s3ReadPartBytes: number;
  /** Ranged GETs in flight or buffered per object; 1 = one GetObject stream. */
  readonly s3ReadConcurrency: number;
  /** S3-compatible endpoint (local server); undefined on AWS. */
  readonly s3Endpoint: string | undefined;
}

/** A missing or bad environment variable, named. */
export class ConfigError extends Error {
  /** The offending variable. */
  readonly variable: EnvName;
  constructor(variable: EnvName, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

/** The defaults documented in README.lambda.md. */
export const CONFIG_DEFAULTS = Object.freeze({
  outputPrefix: '',
  archivePrefix: '',
  archiveWindow: 'yesterday',
  userFormat: 'strip-domain' as UserFormat,
  maxEventBytes: 1024 * 1024,
  maxObjectBytes: 20 * 1024 ** 3,
  // The core's own defaults: one gzip or deflate layer stays under 4000:1, a bomb's nesting does not.
  maxDecompressionRatio: DECOMPRESSION_DEFAULTS.maxRatio,
  decompressionRatioFloorBytes: DECOMPRESSION_DEFAULTS.ratioFloor,
  jsonTimeZone: UTC_ZONE,
  evidenceCap: 20,
  deadlineReserveMs: 20_000,
  quarantineMaxLines: 10_000,
  // S3's guidance: byte-range requests of 8–16 MB, one connection each (docs/performance-notes.md §7).
  s3ReadPartBytes: 8 * 1024 * 1024,
  s3ReadConcurrency: 4,
});

/** Environment variables as Node exposes them. */
export type Environment = Readonly<Record<string, string | undefined>>;

// S3 bucket naming rules (general purpose buckets): 3–63 of a-z 0-9 . -, starting and ending with a letter or digit.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function value(env: Environment, name: EnvName): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return trimmed === '' ? undefined : trimmed;
}

function bucket(env: Environment, name: EnvName, required: true): string;
function bucket(env: Environment, name: EnvName, required: false): string | undefined;
function bucket(env: Environment, name: EnvName, required: boolean): string | undefined {
  const raw = value(env, name);
  if (raw === undefined) {
    if (required) throw new ConfigError(name, 'is required (the bucket name)');
    return undefined;
  }
  if (!BUCKET_NAME.test(raw) || raw.includes('..')) {
    throw new ConfigError(name, `${JSON.stringify(raw)} is not a valid S3 bucket name`);
  }
  return raw;
}

function prefix(env: Environment, name: EnvName): string {
  const raw = env[name] ?? '';
  if (raw === '') return '';
  if (!raw.endsWith('/')) throw new ConfigError(name, `${JSON.stringify(raw)} must be empty or end with "/"`);
  if (raw.startsWith('/')) throw new ConfigError(name, `${JSON.stringify(raw)} must not start with "/" (S3 keys have no leading slash)`);
  return raw;
}

function positiveInteger(env: Environment, name: EnvName, fallback: number, options: { min?: number; max?: number } = {}): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `${JSON.stringify(raw)} is not a whole number`);
  const parsed = Number(raw);
  const min = options.min ?? 1;
  if (!Number.isSafeInteger(parsed) || parsed < min) throw new ConfigError(name, `${raw} must be a whole number ≥ ${min}`);
  if (options.max !== undefined && parsed > options.max) throw new ConfigError(name, `${raw} must be at most ${options.max}`);
  return parsed;
}

/** `yesterday`, `last-<N>h` (1 ≤ N ≤ 8760) or `all`. */
export function parseArchiveWindow(text: string, variable: EnvName = ENV.archiveWindow): ArchiveWindow {
  if (text === 'yesterday') return { kind: 'yesterday' };
  if (text === 'all') return { kind: 'all' };
  const hours = /^last-(\d+)h$/.exec(text);
  if (hours?.[1] !== undefined) {
    const n = Number(hours[1]);
    if (n >= 1 && n <= 8760) return { kind: 'last-hours', hours: n };
  }
  throw new ConfigError(variable, `${JSON.stringify(text)} is not one of: yesterday, last-<N>h (1–8760), all`);
}

/** `s3://bucket/key` → its parts. */
export function parseS3Uri(text: string, variable: EnvName): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(text);
  if (!match?.[1] || !match[2] || !BUCKET_NAME.test(match[1])) {
    throw new ConfigError(variable, `${JSON.stringify(text)} is not an s3://bucket/key URI`);
  }
  return { bucket: match[1], key: match[2] };
}

function filterSource(env: Environment): FilterSource {
  const inline = env[ENV.filterExpressions];
  const uri = value(env, ENV.filterS3Uri);
  const hasInline = inline !== undefined && inline.trim() !== '';
  if (hasInline && uri !== undefined) {
    throw new ConfigError(ENV.filterS3Uri, `set either ${ENV.filterExpressions} or ${ENV.filterS3Uri}, not both`);
  }
  if (hasInline) return { kind: 'inline', text: inline };
  if (uri !== undefined) return { kind: 's3', ...parseS3Uri(uri, ENV.filterS3Uri) };
  return { kind: 'none' };
}

function userFormat(env: Environment): UserFormat {
  const raw = value(env, ENV.userFormat) ?? CONFIG_DEFAULTS.userFormat;
  if (raw === 'strip-domain' || raw === 'as-logged') return raw;
  throw new ConfigError(ENV.userFormat, `${JSON.stringify(raw)} is not one of: strip-domain, as-logged`);
}

function jsonTimeZone(env: Environment): JsonTimeZone {
  const raw = value(env, ENV.jsonTimeZone);
  if (raw === undefined) return CONFIG_DEFAULTS.jsonTimeZone;
  try {
    return parseJsonTimeZone(raw);
  } catch (error) {
    if (error instanceof TimeZoneError) throw new ConfigError(ENV.jsonTimeZone, error.message);
    throw error;
  }
}

function endpoint(env: Environment): string | undefined {
  const raw = value(env, ENV.s3Endpoint);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(ENV.s3Endpoint, `${JSON.stringify(raw)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(ENV.s3Endpoint, `${raw} must be http(s)`);
  return raw.replace(/\/+$/, '');
}

/** Reads and validates the whole configuration; throws ConfigError naming the first bad variable. */
export function readConfig(env: Environment): Config {
  const config: Config = {
    findingsBucket: bucket(env, ENV.findingsBucket, true),
    logsBucket: bucket(env, ENV.logsBucket, false),
    outputPrefix: prefix(env, ENV.outputPrefix),
    archivePrefix: prefix(env, ENV.archivePrefix),
    archiveWindow: parseArchiveWindow(value(env, ENV.archiveWindow) ?? CONFIG_DEFAULTS.archiveWindow),
    filter: filterSource(env),
    userFormat: userFormat(env),
    maxEventBytes: positiveInteger(env, ENV.maxEventBytes, CONFIG_DEFAULTS.maxEventBytes, { min: 1024 }),
    maxObjectBytes: positiveInteger(env, ENV.maxObjectBytes, CONFIG_DEFAULTS.maxObjectBytes),
    maxDecompressionRatio: positiveInteger(env, ENV.maxDecompressionRatio, CONFIG_DEFAULTS.maxDecompressionRatio),
    // 0 checks the ratio from the first decoded byte.
    decompressionRatioFloorBytes: positiveInteger(env, ENV.decompressionRatioFloorBytes, CONFIG_DEFAULTS.decompressionRatioFloorBytes, { min: 0 }),
    jsonTimeZone: jsonTimeZone(env),
    evidenceCap: positiveInteger(env, ENV.evidenceCap, CONFIG_DEFAULTS.evidenceCap, { min: 0 }),
    deadlineReserveMs: positiveInteger(env, ENV.deadlineReserveMs, CONFIG_DEFAULTS.deadlineReserveMs, { min: 0 }),
    quarantineMaxLines: positiveInteger(env, ENV.quarantineMaxLines, CONFIG_DEFAULTS.quarantineMaxLines, { min: 0 }),
    // 1 MiB–1 GiB: smaller parts cost a request per MiB; concurrency × part size is held in memory at worst.
    s3ReadPartBytes: positiveInteger(env, ENV.s3ReadPartBytes, CONFIG_DEFAULTS.s3ReadPartBytes, { min: 1024 * 1024, max: 1024 ** 3 }),
    s3ReadConcurrency: positiveInteger(env, ENV.s3ReadConcurrency, CONFIG_DEFAULTS.s3ReadConcurrency, { min: 1, max: 64 }),
    s3Endpoint: endpoint(env),
  };
  return Object.freeze(config);
}
