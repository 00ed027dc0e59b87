/**
 * Every knob of the deployment, its default, and the rules across settings. Context keys (`cdk.json` or `-c key=value`)
 * are the property names below; settings-from-context.ts reads and parses them, so a typo fails the synth with the key's
 * name instead of deploying something unintended.
 */

/** How created buckets (and the alarm topic) are encrypted. */
export type BucketEncryption = 's3-managed' | 'kms';

/** How the functions render the `user` field. */
export type UserFormat = 'strip-domain' | 'as-logged';

/** Powertools log levels the functions accept. */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** The whole configuration of one deployment; see infra/README.md for the meaning of each field. */
export interface PipelineSettings {
  /** CloudFormation stack name. */
  readonly stackName: string;
  /** Import this existing bucket as the logs (input) bucket instead of creating one. */
  readonly logsBucketName?: string;
  /** Import this existing bucket as the findings (output) bucket instead of creating one. */
  readonly findingsBucketName?: string;
  /** Encryption of created buckets: S3-managed keys, or a customer KMS key. */
  readonly encryption: BucketEncryption;
  /** Existing customer KMS key (ARN) for `encryption: 'kms'` or for imported buckets encrypted with it; created when absent. */
  readonly kmsKeyArn?: string;
  /** Prefix inside the findings bucket under which findings/, ledger/, … live ('' or ending in '/'). */
  readonly outputPrefix: string;
  /** Only objects under this logs-bucket prefix trigger the upload path ('' = whole bucket). */
  readonly uploadPrefix: string;
  /** Only objects ending in one of these suffixes trigger the upload path (empty = any object). */
  readonly uploadSuffixes: readonly string[];
  /** Prefix of the archive swept by the scheduled scan ('' = whole bucket). */
  readonly archivePrefix: string;
  /** Which archived objects a scheduled run sweeps: `yesterday`, `last-<N>h` or `all`. */
  readonly archiveWindow: string;
  /** EventBridge Scheduler expression (UTC) of the archive scan. */
  readonly archiveSchedule: string;
  /** Whether the schedule is enabled (the state machine exists either way and can be started by hand). */
  readonly archiveScheduleEnabled: boolean;
  /** Distributed Map: S3 objects per child execution (one scan-batch invocation). */
  readonly archiveItemsPerBatch: number;
  /** Distributed Map: child executions running at once. */
  readonly archiveMaxConcurrency: number;
  /** Distributed Map: percentage of failed batches tolerated before the run fails. */
  readonly archiveToleratedFailurePercentage: number;
  /** SPL filter expressions (the detection's `_filter` macro), one per line; '' = no filter. */
  readonly filterExpressions: string;
  /** Alternative to filterExpressions: `s3://bucket/key` of a filter file the functions read at cold start. */
  readonly filterS3Uri?: string;
  /** How `user` is rendered in findings. */
  readonly userFormat: UserFormat;
  /** Powertools log level of the functions. */
  readonly logLevel: LogLevel;
  /** Bytes per ranged GET when the functions read a large object in parallel. */
  readonly s3ReadPartBytes: number;
  /** Ranged GETs in flight or buffered per object; 1 = one GetObject stream. */
  readonly s3ReadConcurrency: number;
  /** Largest object after decompression, in bytes; bigger ends the object as failed (too-large). */
  readonly maxObjectBytes: number;
  /** Decompression-bomb guard: most decoded bytes per compressed byte read. */
  readonly maxDecompressionRatio: number;
  /** Decoded bytes of an object before the ratio is checked. */
  readonly decompressionRatioFloorBytes: number;
  /** Zone of JSON timestamps written without one: `UTC`, an offset (`+02:00`, `-0530`) or an IANA name (`Europe/Berlin`). */
  readonly jsonTimeZone: string;
  /** CloudWatch namespace of the functions' metrics. */
  readonly metricsNamespace: string;
  /** on-log-uploaded memory in MB. */
  readonly uploadFunctionMemoryMb: number;
  /** on-log-uploaded timeout in seconds. */
  readonly uploadFunctionTimeoutSeconds: number;
  /** on-log-uploaded reserved concurrency (absent = unreserved). */
  readonly uploadFunctionReservedConcurrency?: number;
  /** scan-batch memory in MB. */
  readonly scanFunctionMemoryMb: number;
  /** scan-batch timeout in seconds. */
  readonly scanFunctionTimeoutSeconds: number;
  /** scan-batch reserved concurrency (absent = unreserved). */
  readonly scanFunctionReservedConcurrency?: number;
  /** Days the functions' and state machine's CloudWatch logs are kept (a CloudWatch retention value). */
  readonly logRetentionDays: number;
  /** SQS → on-log-uploaded: messages (objects) per invocation. */
  readonly queueBatchSize: number;
  /** SQS → on-log-uploaded: seconds to wait to fill a batch. */
  readonly queueMaxBatchingWindowSeconds: number;
  /** SQS → on-log-uploaded: most concurrent invocations the queue may drive (2–1000). */
  readonly queueMaxConcurrency: number;
  /** Created logs bucket: days until objects move to S3 Standard-IA (0 = never). */
  readonly logsInfrequentAccessAfterDays: number;
  /** Created logs bucket: days until objects move to S3 Glacier Instant Retrieval (0 = never). */
  readonly logsGlacierInstantAfterDays: number;
  /** Created logs bucket: days until objects expire (0 = never). */
  readonly logsExpireAfterDays: number;
  /** Days noncurrent object versions are kept in created buckets. */
  readonly noncurrentVersionDays: number;
  /** Email address subscribed to the alarm topic (absent = no subscription). */
  readonly alarmEmail?: string;
  /** Alarm when the oldest upload message waits longer than this many seconds. */
  readonly queueAgeAlarmSeconds: number;
}

/** The defaults; each choice is explained in infra/README.md. */
export const DEFAULT_SETTINGS: PipelineSettings = Object.freeze({
  stackName: 'SysmonS3Detect',
  encryption: 's3-managed',
  outputPrefix: '',
  uploadPrefix: '',
  uploadSuffixes: [],
  archivePrefix: '',
  archiveWindow: 'yesterday',
  // 01:15 UTC: "yesterday" (UTC) is complete and late deliveries of the last hour have landed.
  archiveSchedule: 'cron(15 1 * * ? *)',
  archiveScheduleEnabled: true,
  archiveItemsPerBatch: 25,
  archiveMaxConcurrency: 50,
  // 0: a batch that still fails after its retries fails the run and raises the alarm; no silent coverage gap.
  archiveToleratedFailurePercentage: 0,
  filterExpressions: '',
  userFormat: 'strip-domain',
  logLevel: 'INFO',
  metricsNamespace: 'SysmonS3Detect',
  // S3's guidance: 8–16 MB byte ranges, one connection each; 4 × 8 MiB is at most 32 MiB held per object.
  s3ReadPartBytes: 8 * 1024 * 1024,
  s3ReadConcurrency: 4,
  // The functions' own defaults (functions/aws/config.ts, the core's bomb guard); test/infra checks they agree.
  maxObjectBytes: 20 * 1024 ** 3,
  maxDecompressionRatio: 4000,
  decompressionRatioFloorBytes: 64 * 1024 * 1024,
  // Zone-less JSON timestamps (NXLog's EventTime) read as UTC, as a UTC indexer without a props.conf TZ would.
  jsonTimeZone: 'UTC',
  // Memory and timeouts, from docs/performance-notes.md §4 (measured per-core costs):
  // - gzip uploads: gunzip + hand-written scan costs ~1.43 CPU-s per GB of XML (~0.7 GB/s per core), and one S3
  //   stream of gzip (85–90 MB/s × ~7.5 ratio) delivers ~0.64–0.68 GB/s of XML: balanced at 1 vCPU, which Lambda
  //   grants at 1,769 MB. Less memory would make gzip CPU-bound; more buys a second core one stream cannot feed.
  // - plain XML: network-bound at 85–90 MB/s using ~6% of a vCPU (0.69 CPU-s/GB), so 1,769 MB over-provisions CPU
  //   for plain XML; that costs ~$0.26/TB (README) and keeps one setting right for both formats.
  // - 900 s is Lambda's maximum: ~80 GB of plain XML at 90 MB/s fits in one invocation; the functions checkpoint
  //   DEADLINE_RESERVE_MS before the deadline and resume on redelivery, so bigger objects still finish.
  uploadFunctionMemoryMb: 1769,
  uploadFunctionTimeoutSeconds: 900,
  scanFunctionMemoryMb: 1769,
  scanFunctionTimeoutSeconds: 900,
  logRetentionDays: 90,
  queueBatchSize: 10,
  queueMaxBatchingWindowSeconds: 5,
  queueMaxConcurrency: 10,
  logsInfrequentAccessAfterDays: 30,
  logsGlacierInstantAfterDays: 90,
  logsExpireAfterDays: 365,
  noncurrentVersionDays: 30,
  queueAgeAlarmSeconds: 3600,
});

/** A bad setting, named by its context key so the user can fix `cdk.json` or `-c`. */
export class SettingsError extends Error {
  /** The offending context key. */
  readonly key: string;
  constructor(key: string, message: string) {
    super(`context "${key}": ${message}`);
    this.name = 'SettingsError';
    this.key = key;
  }
}

/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = new Set([
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
]);

/** Cross-field rules; returns the settings unchanged or throws SettingsError. */
export function checkSettings(settings: PipelineSettings): PipelineSettings {
  if (settings.logsBucketName !== undefined && settings.logsBucketName === settings.findingsBucketName) {
    // One bucket for both would let findings trigger the pipeline: the no-recursion rule forbids it.
    throw new SettingsError('findingsBucketName', 'the findings bucket must differ from the logs bucket');
  }
  if (!LOG_RETENTION_DAYS.has(settings.logRetentionDays)) {
    throw new SettingsError('logRetentionDays', `CloudWatch accepts ${[...LOG_RETENTION_DAYS].join(', ')}`);
  }
  if (settings.kmsKeyArn !== undefined && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/.test(settings.kmsKeyArn)) {
    throw new SettingsError('kmsKeyArn', `expected a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got "${settings.kmsKeyArn}"`);
  }
  // Lifecycle transitions must go forward in time; S3 rejects a Standard-IA transition before 30 days.
  const ia = settings.logsInfrequentAccessAfterDays;
  const glacier = settings.logsGlacierInstantAfterDays;
  const expire = settings.logsExpireAfterDays;
  if (ia !== 0 && ia < 30) throw new SettingsError('logsInfrequentAccessAfterDays', 'S3 allows Standard-IA only after 30 days (or 0 = never)');
  if (ia !== 0 && glacier !== 0 && glacier < ia + 30) {
    throw new SettingsError('logsGlacierInstantAfterDays', 'must be at least 30 days after logsInfrequentAccessAfterDays (Standard-IA minimum storage)');
  }
  const lastTransition = Math.max(ia, glacier);
  if (expire !== 0 && expire <= lastTransition) {
    throw new SettingsError('logsExpireAfterDays', 'must be later than the last storage-class transition (or 0 = never)');
  }
  // Same grammar as functions/aws/config.ts parseArchiveWindow: fail at synth, not at the first scheduled run.
  const hours = /^last-(\d+)h$/.exec(settings.archiveWindow);
  const windowOk = settings.archiveWindow === 'yesterday' || settings.archiveWindow === 'all'
    || (hours?.[1] !== undefined && Number(hours[1]) >= 1 && Number(hours[1]) <= 8760);
  if (!windowOk) throw new SettingsError('archiveWindow', `expected yesterday, last-<N>h (1–8760) or all, got "${settings.archiveWindow}"`);
  if (settings.filterS3Uri !== undefined) {
    if (settings.filterExpressions.trim() !== '') throw new SettingsError('filterS3Uri', 'set either filterExpressions or filterS3Uri, not both');
    if (filterObject(settings.filterS3Uri) === undefined) throw new SettingsError('filterS3Uri', `expected s3://bucket/key, got "${settings.filterS3Uri}"`);
  }
  if (!isJsonTimeZone(settings.jsonTimeZone)) {
    throw new SettingsError('jsonTimeZone', `expected UTC, an offset (+02:00, -0530, +01) or an IANA time zone name (Europe/Berlin), got "${settings.jsonTimeZone}"`);
  }
  if (settings.uploadSuffixes.some((suffix) => suffix.includes('/'))) {
    throw new SettingsError('uploadSuffixes', 'a suffix cannot contain "/"');
  }
  return Object.freeze(settings);
}

/**
 * Whether JSON_TIME_ZONE will accept the zone: the grammar of functions/core/read/json-time-zone.ts parseJsonTimeZone,
 * repeated here because infra imports nothing from functions/ but the env names (test/infra keeps the two in step).
 * IANA names are checked against this Node's ICU, as the functions' Node checks them.
 */
export function isJsonTimeZone(zone: string): boolean {
  if (/^(?:utc|z)$/i.test(zone)) return true;
  const offset = /^[+-](\d{2})(?::?(\d{2}))?$/.exec(zone);
  if (offset !== null) return Number(offset[1]) <= 23 && Number(offset[2] ?? 0) <= 59;
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** `s3://bucket/key` → its parts, or undefined when it is not such a URI. */
export function filterObject(uri: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(uri);
  return match?.[1] !== undefined && match[2] !== undefined ? { bucket: match[1], key: match[2] } : undefined;
}
