/**
 * The logs (input) and findings (output) buckets: created secure by default, or imported by name.
 * A created bucket blocks public access, is encrypted (S3-managed or the customer key), refuses plain HTTP,
 * is versioned, writes server access logs to a dedicated bucket, and is RETAINed when the stack is deleted.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { PipelineSettings } from './pipeline-settings.ts';

/** Days server access logs are kept; they are an audit trail, not input. */
const ACCESS_LOG_DAYS = 365;

/** Buckets and the optional customer key, as the rest of the stack sees them. */
export class PipelineBuckets extends Construct {
  /** Input: the Sysmon logs (uploads and the archive). */
  readonly logs: s3.IBucket;
  /** Output: findings/, ledger/, quarantine/, checkpoints/, map-results/ under the output prefix. */
  readonly findings: s3.IBucket;
  /** The customer key, when `encryption` is `kms` or a key ARN is given; undefined means S3-managed keys. */
  readonly key?: kms.IKey;
  /** Server access logs of the created buckets (absent when both buckets are imported). */
  readonly accessLogs?: s3.Bucket;
  /** True when the logs bucket was created by this stack (lifecycle and logging are then ours to set). */
  readonly logsCreated: boolean;
  /** True when the findings bucket was created by this stack. */
  readonly findingsCreated: boolean;

  constructor(scope: Construct, id: string, settings: PipelineSettings) {
    super(scope, id);
    this.key = pipelineKey(this, settings);
    this.logsCreated = settings.logsBucketName === undefined;
    this.findingsCreated = settings.findingsBucketName === undefined;

    if (this.logsCreated || this.findingsCreated) this.accessLogs = accessLogBucket(this);
    const common = (prefix: string): s3.BucketProps => ({
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      ...(this.key === undefined
        ? { encryption: s3.BucketEncryption.S3_MANAGED }
        : { encryption: s3.BucketEncryption.KMS, encryptionKey: this.key, bucketKeyEnabled: true }),
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: prefix,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.logs = settings.logsBucketName !== undefined
      ? s3.Bucket.fromBucketName(this, 'Logs', settings.logsBucketName)
      : new s3.Bucket(this, 'Logs', { ...common('logs/'), lifecycleRules: [logsLifecycle(settings)] });

    this.findings = settings.findingsBucketName !== undefined
      ? s3.Bucket.fromBucketName(this, 'Findings', settings.findingsBucketName)
      : new s3.Bucket(this, 'Findings', {
          ...common('findings/'),
          // Findings are kept: only superseded versions (idempotent rewrites, deleted checkpoints) expire.
          lifecycleRules: [{
            id: 'expire-superseded-versions',
            noncurrentVersionExpiration: Duration.days(settings.noncurrentVersionDays),
            expiredObjectDeleteMarker: true,
            abortIncompleteMultipartUploadAfter: Duration.days(7),
          }],
        });
  }
}

/** Lifecycle of a created logs bucket: cheaper classes after N days, expiry after M days (0 disables a step). */
function logsLifecycle(settings: PipelineSettings): s3.LifecycleRule {
  const transitions: s3.Transition[] = [];
  if (settings.logsInfrequentAccessAfterDays > 0) {
    transitions.push({ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(settings.logsInfrequentAccessAfterDays) });
  }
  // Glacier *Instant* Retrieval, not Flexible: the archive scan must still GET these objects without a restore.
  if (settings.logsGlacierInstantAfterDays > 0) {
    transitions.push({ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(settings.logsGlacierInstantAfterDays) });
  }
  return {
    id: 'logs-tiering',
    transitions,
    ...(settings.logsExpireAfterDays > 0 ? { expiration: Duration.days(settings.logsExpireAfterDays) } : {}),
    noncurrentVersionExpiration: Duration.days(settings.noncurrentVersionDays),
    expiredObjectDeleteMarker: settings.logsExpireAfterDays > 0 ? undefined : true,
    abortIncompleteMultipartUploadAfter: Duration.days(7),
  };
}

/** The target of server access logging: S3-managed keys, because log delivery cannot write SSE-KMS objects. */
function accessLogBucket(scope: Construct): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'AccessLogs', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    encryption: s3.BucketEncryption.S3_MANAGED,
    versioned: true,
    lifecycleRules: [{
      id: 'expire-access-logs',
      expiration: Duration.days(ACCESS_LOG_DAYS),
      noncurrentVersionExpiration: Duration.days(30),
      abortIncompleteMultipartUploadAfter: Duration.days(7),
    }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'This is the server access log bucket of the pipeline buckets; logging it into itself would loop and into another bucket would only move the finding.',
  });
  return bucket;
}

/** The customer key: the given ARN, a new rotating key for `encryption: 'kms'`, or none. */
function pipelineKey(scope: Construct, settings: PipelineSettings): kms.IKey | undefined {
  if (settings.kmsKeyArn !== undefined) return kms.Key.fromKeyArn(scope, 'Key', settings.kmsKeyArn);
  if (settings.encryption !== 'kms') return undefined;
  return new kms.Key(scope, 'Key', {
    description: 'sysmon-s3-detect: logs and findings buckets, alarm topic',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}
