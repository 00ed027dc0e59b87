/**
 * The environment variables the Lambda functions read, by name. The CDK app imports this file (and only this
 * file from functions/) so the names the infrastructure sets and the names the code reads cannot drift apart.
 */
export const ENV = {
  /** Output bucket for findings/, ledger/, quarantine/ (required). */
  findingsBucket: 'FINDINGS_BUCKET',
  /** Input bucket holding the logs; the archive scan's default source (optional for on-upload). */
  logsBucket: 'LOGS_BUCKET',
  /** Prefix inside the findings bucket under which the output folders live (default ''). */
  outputPrefix: 'OUTPUT_PREFIX',
  /** Archive scan: prefix of the archived telemetry in the logs bucket (default ''). */
  archivePrefix: 'ARCHIVE_PREFIX',
  /** Archive scan: which objects to sweep: `yesterday` (default), `last-<N>h`, `all`. */
  archiveWindow: 'ARCHIVE_WINDOW',
  /** SPL filter expressions applied to result rows, one per line (the `<detection>_filter` macro). */
  filterExpressions: 'FILTER_EXPRESSIONS',
  /** `s3://bucket/key` of a filter file, read at cold start (alternative to FILTER_EXPRESSIONS). */
  filterS3Uri: 'FILTER_S3_URI',
  /** `strip-domain` (default) or `as-logged`: how `user` is rendered. */
  userFormat: 'USER_FORMAT',
  /** Largest single event in bytes (default 1 MiB); bigger is a located problem. */
  maxEventBytes: 'MAX_EVENT_BYTES',
  /** Largest object after decompression in bytes (default 20 GiB); bigger ends the object as failed. */
  maxObjectBytes: 'MAX_OBJECT_BYTES',
  /** Decompression-bomb guard: most decoded bytes per compressed byte read (default 4000); beyond it the object fails as too-large. */
  maxDecompressionRatio: 'MAX_DECOMPRESSION_RATIO',
  /** Decoded bytes of an object before MAX_DECOMPRESSION_RATIO is checked (default 64 MiB). */
  decompressionRatioFloorBytes: 'DECOMPRESSION_RATIO_FLOOR_BYTES',
  /** Zone of JSON timestamps written without one: `UTC` (default), an offset (`+02:00`, `-0530`) or an IANA name (`Europe/Berlin`). */
  jsonTimeZone: 'JSON_TIME_ZONE',
  /** Evidence entries kept per finding (default 20). */
  evidenceCap: 'EVIDENCE_CAP',
  /** Milliseconds kept in reserve before the Lambda deadline to checkpoint (default 20000). */
  deadlineReserveMs: 'DEADLINE_RESERVE_MS',
  /** Most quarantine lines kept per object (default 10000); the ledger counts the lines dropped beyond it. */
  quarantineMaxLines: 'QUARANTINE_MAX_LINES',
  /** Bytes per ranged GET when a large object is read in parallel (default 8 MiB, 1 MiB–1 GiB). */
  s3ReadPartBytes: 'S3_READ_PART_BYTES',
  /** Ranged GETs in flight or buffered per object (default 4, 1–64); 1 = one GetObject stream. */
  s3ReadConcurrency: 'S3_READ_CONCURRENCY',
  /** S3-compatible endpoint URL for local use (`npm start`, tests); unset on AWS. Turns on path-style addressing. */
  s3Endpoint: 'S3_ENDPOINT',
  /** Powertools: service name for logs and metrics. */
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  /** Powertools: CloudWatch metrics namespace. */
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  /** Powertools: log level. */
  logLevel: 'POWERTOOLS_LOG_LEVEL',
} as const;

/** One of the environment variable names above. */
export type EnvName = (typeof ENV)[keyof typeof ENV];

/** The output folders inside the findings bucket (after OUTPUT_PREFIX). Handlers refuse events under these. */
export const OUTPUT_FOLDERS = ['findings/', 'ledger/', 'quarantine/', 'checkpoints/', 'map-results/'] as const;
