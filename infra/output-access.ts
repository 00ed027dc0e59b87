/**
 * Least-privilege S3/KMS statements for the functions. Written out by hand instead of `bucket.grantReadWrite`,
 * whose `s3:GetObject*`/`s3:DeleteObject*` on `<bucket>/*` would let a function overwrite or delete any object:
 * here a function may write only under the output folders of the findings bucket and read only the logs prefix.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { OUTPUT_FOLDERS } from '../functions/aws/env-names.ts';

/** One output folder of the findings bucket (`findings/`, `ledger/`, …). */
export type OutputFolder = (typeof OUTPUT_FOLDERS)[number];

/** What a function needs of the buckets. */
export interface OutputAccess {
  /** Logs-bucket prefix whose objects the function reads ('' = whole bucket); absent = no object reads. */
  readonly readLogsUnder?: string;
  /** Logs-bucket prefix the function may list ('' = whole bucket); absent = no listing. */
  readonly listLogsUnder?: string;
  /** Output folders the function may create objects in. */
  readonly writeFolders: readonly OutputFolder[];
  /** Output folders the function may read. */
  readonly readFolders: readonly OutputFolder[];
  /** Output folders the function may delete objects in. */
  readonly deleteFolders: readonly OutputFolder[];
}

/** The buckets, the output prefix and the key the statements refer to. */
export interface OutputTargets {
  readonly logs: s3.IBucket;
  readonly findings: s3.IBucket;
  readonly outputPrefix: string;
  readonly key?: kms.IKey;
}

/** Objects under `<bucket>/<prefix>` as an IAM resource. */
function objectsUnder(bucket: s3.IBucket, prefix: string): string {
  return `${bucket.bucketArn}/${prefix}*`;
}

/** The policy statements granting exactly `access`, in a stable order. */
export function outputAccessStatements(targets: OutputTargets, access: OutputAccess): iam.PolicyStatement[] {
  const { logs, findings, outputPrefix, key } = targets;
  const folders = (list: readonly OutputFolder[]): string[] => list.map((folder) => objectsUnder(findings, `${outputPrefix}${folder}`));
  const statements: iam.PolicyStatement[] = [];

  if (access.readLogsUnder !== undefined) {
    // GetObjectVersion: S3 events carry a versionId, and the handlers read exactly the version that was announced.
    statements.push(new iam.PolicyStatement({
      sid: 'ReadLogs',
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resources: [objectsUnder(logs, access.readLogsUnder)],
    }));
  }
  if (access.listLogsUnder !== undefined) {
    statements.push(new iam.PolicyStatement({
      sid: 'ListLogs',
      actions: ['s3:ListBucket'],
      resources: [logs.bucketArn],
      ...(access.listLogsUnder === '' ? {} : { conditions: { StringLike: { 's3:prefix': [`${access.listLogsUnder}*`] } } }),
    }));
  }
  if (access.writeFolders.length > 0) {
    statements.push(new iam.PolicyStatement({ sid: 'WriteOutputs', actions: ['s3:PutObject'], resources: folders(access.writeFolders) }));
  }
  if (access.readFolders.length > 0) {
    statements.push(new iam.PolicyStatement({ sid: 'ReadOutputs', actions: ['s3:GetObject'], resources: folders(access.readFolders) }));
    // Without ListBucket, S3 answers a GET of a missing key with 403 instead of 404, and "no checkpoint yet" or
    // "not in the ledger yet" would look like a permission error. A prefix condition cannot help: the implicit
    // check behind a GET carries no s3:prefix. Listing reveals only key names of the functions' own output.
    statements.push(new iam.PolicyStatement({ sid: 'ListOutputs', actions: ['s3:ListBucket'], resources: [findings.bucketArn] }));
  }
  if (access.deleteFolders.length > 0) {
    statements.push(new iam.PolicyStatement({ sid: 'DeleteOutputs', actions: ['s3:DeleteObject'], resources: folders(access.deleteFolders) }));
  }
  if (key !== undefined) {
    const writes = access.writeFolders.length > 0;
    const reads = access.readFolders.length > 0 || access.readLogsUnder !== undefined;
    // SSE-KMS: a PUT needs GenerateDataKey; a GET, and completing a multipart upload, need Decrypt.
    const actions = [...(reads || writes ? ['kms:Decrypt'] : []), ...(writes ? ['kms:GenerateDataKey'] : [])];
    if (actions.length > 0) {
      statements.push(new iam.PolicyStatement({ sid: 'UseBucketKey', actions, resources: [key.keyArn] }));
    }
  }
  return statements;
}
