/**
 * Synthesizes the real CDK app (infra/build-app.ts) in three configurations and checks every resource and property
 * issue 4 asks for. CloudFormation validation is off for speed (CDK_VALIDATION=false) except in the one test that
 * turns it on with errors-as-failures; cdk-nag's AwsSolutions checks run in every synth (a finding throws).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV, OUTPUT_FOLDERS } from '../../functions/aws/env-names.ts';
import { buildApp } from '../../infra/build-app.ts';
import {
  asList, functionRoleId, grants, identityStatements, render, resourcesOfType, roleStatements, single,
  stateMachineDefinition, synthesize, type Statement, type Synthesized,
} from './template-queries.ts';

const previousValidation = process.env.CDK_VALIDATION;

/** Default settings: everything created, S3-managed keys. */
let plain: Synthesized;
/** A customer KMS key, prefixes, suffixes, e-mail, reserved concurrency, a tolerated failure rate, a filter. */
let tuned: Synthesized;
/** Existing buckets imported by name, an existing key, a filter file. */
let imported: Synthesized;

const TUNED = {
  encryption: 'kms',
  outputPrefix: 'out/',
  uploadPrefix: 'incoming/',
  uploadSuffixes: '.xml,.xml.gz',
  archivePrefix: 'archive/',
  archiveWindow: 'last-48h',
  archiveSchedule: 'rate(6 hours)',
  archiveScheduleEnabled: 'false',
  archiveItemsPerBatch: '10',
  archiveMaxConcurrency: '20',
  archiveToleratedFailurePercentage: '5',
  alarmEmail: 'soc@example.com',
  uploadFunctionReservedConcurrency: '7',
  scanFunctionReservedConcurrency: '9',
  uploadFunctionMemoryMb: '3008',
  queueBatchSize: '4',
  queueMaxBatchingWindowSeconds: '20',
  queueMaxConcurrency: '5',
  filterExpressions: 'dest="C:\\\\Windows\\\\*"',
  logRetentionDays: '30',
  logLevel: 'DEBUG',
  userFormat: 'as-logged',
  maxObjectBytes: '1073741824',
  maxDecompressionRatio: '500',
  decompressionRatioFloorBytes: '0',
  jsonTimeZone: 'Europe/Berlin',
};
const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const IMPORTED = {
  logsBucketName: 'corp-sysmon-logs',
  findingsBucketName: 'corp-sysmon-findings',
  kmsKeyArn: KEY_ARN,
  archivePrefix: 'AWSLogs/',
  filterS3Uri: 's3://corp-config/sysmon/filter.spl',
};

beforeAll(() => {
  process.env.CDK_VALIDATION = 'false';
  const build = (context: Record<string, unknown>): Synthesized => {
    const { app, stack } = buildApp({ context });
    return synthesize(app, stack);
  };
  plain = build({});
  tuned = build(TUNED);
  imported = build(IMPORTED);
});

afterAll(() => {
  if (previousValidation === undefined) delete process.env.CDK_VALIDATION;
  else process.env.CDK_VALIDATION = previousValidation;
});

/** Logical id of the created bucket whose id starts with `prefix`. */
function bucketId(s: Synthesized, prefix: string): string {
  return single(s.json, 'AWS::S3::Bucket', prefix)[0];
}

function functionIds(s: Synthesized): { upload: string; scan: string; plan: string } {
  return {
    upload: single(s.json, 'AWS::Lambda::Function', 'FunctionsOnLogUploaded')[0],
    scan: single(s.json, 'AWS::Lambda::Function', 'FunctionsScanBatch')[0],
    plan: single(s.json, 'AWS::Lambda::Function', 'FunctionsPlanArchiveScan')[0],
  };
}

describe('buckets', () => {
  it.each([
    ['logs', 'BucketsLogs'],
    ['findings', 'BucketsFindings'],
    ['access logs', 'BucketsAccessLogs'],
  ])('the %s bucket blocks public access, is encrypted, versioned and retained', (_name, prefix) => {
    const [, bucket] = single(plain.json, 'AWS::S3::Bucket', prefix);
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  it.each([['BucketsLogs'], ['BucketsFindings'], ['BucketsAccessLogs']])('%s refuses requests without TLS', (prefix) => {
    const id = bucketId(plain, prefix);
    const [, policy] = resourcesOfType(plain.json, 'AWS::S3::BucketPolicy')
      .find(([, p]) => render(p.Properties?.Bucket) === `{${id}}`) ?? [];
    const statements = asList((policy?.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement);
    expect(statements).toContainEqual(expect.objectContaining({
      Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    }));
  });

  it('logs and findings write server access logs to the access-log bucket, each under its own prefix', () => {
    const accessLogs = bucketId(plain, 'BucketsAccessLogs');
    for (const [prefix, logPrefix] of [['BucketsLogs', 'logs/'], ['BucketsFindings', 'findings/']] as const) {
      const [, bucket] = single(plain.json, 'AWS::S3::Bucket', prefix);
      expect(bucket.Properties?.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: accessLogs }, LogFilePrefix: logPrefix });
    }
  });

  it('logs move to Standard-IA after 30 days, Glacier Instant Retrieval after 90 and expire after 365', () => {
    const [, logs] = single(plain.json, 'AWS::S3::Bucket', 'BucketsLogs');
    expect(logs.Properties?.LifecycleConfiguration).toEqual({
      Rules: [expect.objectContaining({
        Status: 'Enabled',
        ExpirationInDays: 365,
        Transitions: [
          { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
          { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
        ],
        NoncurrentVersionExpiration: { NoncurrentDays: 30 },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
      })],
    });
  });

  it('findings are kept: no lifecycle rule expires or transitions current objects', () => {
    const [, findings] = single(plain.json, 'AWS::S3::Bucket', 'BucketsFindings');
    const rules = (findings.Properties?.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> }).Rules;
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(rule).not.toHaveProperty('ExpirationInDays');
      expect(rule).not.toHaveProperty('ExpirationDate');
      expect(rule).not.toHaveProperty('Transitions');
    }
  });

  it('the findings bucket has no notification of any kind (no recursion)', () => {
    for (const s of [plain, tuned]) {
      const findings = bucketId(s, 'BucketsFindings');
      expect(s.json.Resources[findings]?.Properties).not.toHaveProperty('NotificationConfiguration');
      for (const [, notification] of resourcesOfType(s.json, 'Custom::S3BucketNotifications')) {
        expect(render(notification.Properties?.BucketName)).not.toBe(`{${findings}}`);
      }
    }
    for (const [, notification] of resourcesOfType(imported.json, 'Custom::S3BucketNotifications')) {
      expect(notification.Properties?.BucketName).toBe(IMPORTED.logsBucketName);
    }
  });

  it('encryption=kms uses a rotating customer key (with S3 bucket keys) for logs and findings', () => {
    const [keyId, key] = single(tuned.json, 'AWS::KMS::Key', 'BucketsKey');
    expect(key.Properties?.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
    for (const prefix of ['BucketsLogs', 'BucketsFindings']) {
      const [, bucket] = single(tuned.json, 'AWS::S3::Bucket', prefix);
      expect(bucket.Properties?.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } },
        }],
      });
    }
    // Log delivery cannot write SSE-KMS objects: the access-log bucket stays on S3-managed keys.
    const [, accessLogs] = single(tuned.json, 'AWS::S3::Bucket', 'BucketsAccessLogs');
    expect(accessLogs.Properties?.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
  });

  it('imported buckets are referenced by name and nothing is created for them', () => {
    expect(resourcesOfType(imported.json, 'AWS::S3::Bucket')).toEqual([]);
    expect(resourcesOfType(imported.json, 'AWS::KMS::Key')).toEqual([]);
    const { upload } = functionIds(imported);
    const env = (imported.json.Resources[upload]?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env[ENV.logsBucket]).toBe(IMPORTED.logsBucketName);
    expect(env[ENV.findingsBucket]).toBe(IMPORTED.findingsBucketName);
  });
});

describe('upload delivery: S3 → SQS → on-log-uploaded', () => {
  it('ObjectCreated on the logs bucket goes to the upload queue, unfiltered by default', () => {
    const [, notification] = single(plain.json, 'Custom::S3BucketNotifications', '');
    const queue = single(plain.json, 'AWS::SQS::Queue', 'UploadDeliveryUploads')[0];
    expect(notification.Properties?.BucketName).toEqual({ Ref: bucketId(plain, 'BucketsLogs') });
    expect(notification.Properties?.NotificationConfiguration).toEqual({
      QueueConfigurations: [{ Events: ['s3:ObjectCreated:*'], QueueArn: { 'Fn::GetAtt': [queue, 'Arn'] } }],
    });
  });

  it('prefix and suffixes become one filtered notification per suffix', () => {
    const [, notification] = single(tuned.json, 'Custom::S3BucketNotifications', '');
    const configs = (notification.Properties?.NotificationConfiguration as { QueueConfigurations: unknown[] }).QueueConfigurations;
    expect(configs).toEqual(['.xml', '.xml.gz'].map((suffix) => expect.objectContaining({
      Events: ['s3:ObjectCreated:*'],
      Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: suffix }, { Name: 'prefix', Value: 'incoming/' }] } },
    })));
  });

  it.each([
    ['default', () => plain, 900, 5],
    ['tuned', () => tuned, 900, 20],
  ])('%s: the queue is encrypted, SSL-only, visible ≥ 6 × the function timeout, and redrives to the DLQ after 3 receives', (_name, get, timeout, window) => {
    const s = get();
    const [queueId, queue] = single(s.json, 'AWS::SQS::Queue', 'UploadDeliveryUploads');
    const [dlqId, dlq] = single(s.json, 'AWS::SQS::Queue', 'UploadDeliveryDeadLetters');
    const { upload } = functionIds(s);
    expect(s.json.Resources[upload]?.Properties?.Timeout).toBe(timeout);
    const visibility = queue.Properties?.VisibilityTimeout as number;
    expect(visibility).toBeGreaterThanOrEqual(6 * timeout);
    expect(visibility).toBe(6 * timeout + window);
    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 3 },
    });
    expect(dlq.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    for (const id of [queueId, dlqId]) {
      const [, policy] = resourcesOfType(s.json, 'AWS::SQS::QueuePolicy')
        .find(([, p]) => asList(p.Properties?.Queues as unknown[]).map(render).includes(`{${id}}`)) ?? [];
      const statements = asList((policy?.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement);
      expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    }
  });

  it('only S3, from the logs bucket, may send to the upload queue', () => {
    const queue = single(plain.json, 'AWS::SQS::Queue', 'UploadDeliveryUploads')[0];
    const [, policy] = resourcesOfType(plain.json, 'AWS::SQS::QueuePolicy')
      .find(([, p]) => asList(p.Properties?.Queues as unknown[]).map(render).includes(`{${queue}}`)) ?? [];
    const allow = asList((policy?.Properties?.PolicyDocument as { Statement: Statement[] }).Statement).filter((st) => st.Effect === 'Allow');
    expect(allow).toEqual([expect.objectContaining({
      Principal: { Service: 's3.amazonaws.com' },
      Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucketId(plain, 'BucketsLogs'), 'Arn'] } } },
    })]);
  });

  it.each([
    ['default', () => plain, 10, 5, 10],
    ['tuned', () => tuned, 4, 20, 5],
  ])('%s: the event source reports batch item failures with batch size, window and maximum concurrency', (_name, get, size, window, concurrency) => {
    const s = get();
    const queue = single(s.json, 'AWS::SQS::Queue', 'UploadDeliveryUploads')[0];
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      FunctionName: { Ref: functionIds(s).upload },
      BatchSize: size,
      MaximumBatchingWindowInSeconds: window,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: concurrency },
    });
  });
});

describe('functions', () => {
  it.each([
    ['upload', 1769, 900],
    ['scan', 1769, 900],
    ['plan', 512, 300],
  ] as const)('%s: nodejs22.x on arm64, ESM handler, %i MB, %i s, its own log group with retention', (which, memory, timeout) => {
    const id = functionIds(plain)[which];
    const props = plain.json.Resources[id]?.Properties ?? {};
    expect(props).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler', MemorySize: memory, Timeout: timeout });
    expect(props).not.toHaveProperty('ReservedConcurrentExecutions');
    const logGroup = render((props.LoggingConfig as { LogGroup: unknown }).LogGroup).replace(/^\{|\}$/g, '');
    expect(plain.json.Resources[logGroup]).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 90 } });
  });

  it('reserved concurrency, memory and log retention follow the settings', () => {
    const { upload, scan, plan } = functionIds(tuned);
    expect(tuned.json.Resources[upload]?.Properties).toMatchObject({ ReservedConcurrentExecutions: 7, MemorySize: 3008 });
    expect(tuned.json.Resources[scan]?.Properties).toMatchObject({ ReservedConcurrentExecutions: 9 });
    expect(tuned.json.Resources[plan]?.Properties).not.toHaveProperty('ReservedConcurrentExecutions');
    for (const [, group] of resourcesOfType(tuned.json, 'AWS::Logs::LogGroup')) expect(group.Properties?.RetentionInDays).toBe(30);
  });

  it('the environment carries the names from functions/aws/env-names.ts', () => {
    const { upload, scan, plan } = functionIds(plain);
    const env = (id: string): Record<string, unknown> =>
      (plain.json.Resources[id]?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    const common = {
      [ENV.findingsBucket]: { Ref: bucketId(plain, 'BucketsFindings') },
      [ENV.logsBucket]: { Ref: bucketId(plain, 'BucketsLogs') },
      [ENV.outputPrefix]: '',
      [ENV.userFormat]: 'strip-domain',
      [ENV.serviceName]: 'sysmon-s3-detect',
      [ENV.metricsNamespace]: 'SysmonS3Detect',
      [ENV.logLevel]: 'INFO',
      [ENV.s3ReadPartBytes]: '8388608',
      [ENV.s3ReadConcurrency]: '4',
      [ENV.maxObjectBytes]: '21474836480',
      [ENV.maxDecompressionRatio]: '4000',
      [ENV.decompressionRatioFloorBytes]: '67108864',
      [ENV.jsonTimeZone]: 'UTC',
      NODE_OPTIONS: '--enable-source-maps',
    };
    expect(env(upload)).toEqual(common);
    expect(env(scan)).toEqual({ ...common, [ENV.archivePrefix]: '', [ENV.archiveWindow]: 'yesterday' });
    expect(env(plan)).toEqual({ ...common, [ENV.archivePrefix]: '', [ENV.archiveWindow]: 'yesterday' });

    const tunedEnv = (tuned.json.Resources[functionIds(tuned).scan]?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(tunedEnv).toMatchObject({
      [ENV.outputPrefix]: 'out/', [ENV.archivePrefix]: 'archive/', [ENV.archiveWindow]: 'last-48h',
      [ENV.filterExpressions]: TUNED.filterExpressions, [ENV.userFormat]: 'as-logged', [ENV.logLevel]: 'DEBUG',
      [ENV.maxObjectBytes]: '1073741824', [ENV.maxDecompressionRatio]: '500', [ENV.decompressionRatioFloorBytes]: '0',
      [ENV.jsonTimeZone]: 'Europe/Berlin',
    });
    const importedEnv = (imported.json.Resources[functionIds(imported).upload]?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(importedEnv[ENV.filterS3Uri]).toBe(IMPORTED.filterS3Uri);
    expect(importedEnv).not.toHaveProperty(ENV.filterExpressions);
  });

  it('each bundle is an ESM index.mjs with the createRequire banner and a source map, built by the local esbuild', () => {
    for (const id of Object.values(functionIds(plain))) {
      const key = render((plain.json.Resources[id]?.Properties?.Code as { S3Key: unknown }).S3Key);
      const dir = join(plain.outdir, `asset.${key.replace(/\.zip$/, '')}`);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith("import {createRequire as __cr} from 'node:module'; const require = __cr(import.meta.url);")).toBe(true);
      expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
      // @aws-sdk stays external: the runtime provides it.
      expect(code).not.toMatch(/@aws-sdk\/client-s3\/dist-es/);
    }
  });

  it('no function role carries an AWS managed policy', () => {
    for (const s of [plain, tuned, imported]) {
      for (const id of Object.values(functionIds(s))) {
        expect(s.json.Resources[functionRoleId(s.json, id)]?.Properties).not.toHaveProperty('ManagedPolicyArns');
      }
    }
  });
});

describe('least privilege', () => {
  const WRITE_ACTIONS = /^s3:(Put|Delete|Restore|Replicate|Abort|Create|Copy)/;

  it.each([['default', () => plain], ['tuned', () => tuned], ['imported', () => imported]])(
    '%s: no IAM statement grants *, s3:*, any service-wide wildcard, or S3 actions on Resource "*"', (_name, get) => {
      for (const { owner, statement } of identityStatements(get().json)) {
        const actions = asList(statement.Action);
        for (const action of actions) {
          expect(action, owner).not.toBe('*');
          expect(action, owner).not.toMatch(/^[a-z0-9-]+:\*$/);
        }
        if (actions.some((action) => action.startsWith('s3:'))) {
          expect(asList(statement.Resource as unknown).map(render), owner).not.toContain('*');
        }
      }
    });

  /** Expected object ARNs of the output folders, rendered. */
  function folderArns(findings: string, prefix: string, folders: readonly string[]): string[] {
    return folders.map((folder) => `${findings}/${prefix}${folder}*`).sort();
  }

  it.each([
    ['default', () => plain, '', () => `{${bucketId(plain, 'BucketsFindings')}.Arn}`],
    ['tuned', () => tuned, 'out/', () => `{${bucketId(tuned, 'BucketsFindings')}.Arn}`],
    ['imported', () => imported, '', () => 'arn:{AWS::Partition}:s3:::corp-sysmon-findings'],
  ])('%s: the scan functions write only findings/, ledger/, quarantine/, checkpoints/ and delete only checkpoints/', (_name, get, prefix, findingsArn) => {
    const s = get();
    const { upload, scan, plan } = functionIds(s);
    for (const id of [upload, scan]) {
      const allowed = grants(roleStatements(s.json, functionRoleId(s.json, id)));
      const writes = allowed.filter((g) => WRITE_ACTIONS.test(g.action));
      const put = writes.filter((g) => g.action === 's3:PutObject').map((g) => g.resource).sort();
      const del = writes.filter((g) => g.action === 's3:DeleteObject').map((g) => g.resource);
      expect(put).toEqual(folderArns(findingsArn(), prefix, ['findings/', 'ledger/', 'quarantine/', 'checkpoints/']));
      expect(del).toEqual(folderArns(findingsArn(), prefix, ['checkpoints/']));
      expect(writes.map((g) => g.action).sort()).toEqual([...Array(4).fill('s3:PutObject'), 's3:DeleteObject'].sort());
      const reads = allowed.filter((g) => g.action === 's3:GetObject' && g.resource.startsWith(findingsArn())).map((g) => g.resource).sort();
      expect(reads).toEqual(folderArns(findingsArn(), prefix, ['ledger/', 'checkpoints/']));
    }
    // The plan function only lists the archive (and reads the filter file, when one is configured).
    const planGrants = grants(roleStatements(s.json, functionRoleId(s.json, plan)))
      .filter((g) => g.action.startsWith('s3:') && !g.resource.endsWith(':::corp-config/sysmon/filter.spl'));
    expect(planGrants.map((g) => g.action)).toEqual(['s3:ListBucket']);
  });

  it('every S3 write in the stack, by any role, is under an output folder of the findings bucket', () => {
    for (const s of [plain, tuned]) {
      const findings = `{${bucketId(s, 'BucketsFindings')}.Arn}`;
      const prefix = s === tuned ? 'out/' : '';
      const allowedResources = OUTPUT_FOLDERS.map((folder) => `${findings}/${prefix}${folder}*`);
      for (const { owner, statement } of identityStatements(s.json)) {
        for (const g of grants([statement]).filter((x) => x.action.startsWith('s3:Put') && x.action !== 's3:PutBucketNotification')) {
          expect(allowedResources, `${owner} ${g.action} ${g.resource}`).toContain(g.resource);
        }
      }
    }
  });

  it('the upload function reads only the upload prefix; the scan function only the archive prefix; the plan lists it', () => {
    const logs = `{${bucketId(tuned, 'BucketsLogs')}.Arn}`;
    const { upload, scan, plan } = functionIds(tuned);
    const readsOfLogs = (id: string): string[] => grants(roleStatements(tuned.json, functionRoleId(tuned.json, id)))
      .filter((g) => g.resource.startsWith(logs) && g.action.startsWith('s3:Get')).map((g) => `${g.action} ${g.resource}`).sort();
    expect(readsOfLogs(upload)).toEqual([`s3:GetObject ${logs}/incoming/*`, `s3:GetObjectVersion ${logs}/incoming/*`]);
    expect(readsOfLogs(scan)).toEqual([`s3:GetObject ${logs}/archive/*`, `s3:GetObjectVersion ${logs}/archive/*`]);
    expect(readsOfLogs(plan)).toEqual([]);
    const list = roleStatements(tuned.json, functionRoleId(tuned.json, plan)).filter((st) => st.Action === 's3:ListBucket' && render(st.Resource) === logs);
    expect(list).toEqual([expect.objectContaining({ Condition: { StringLike: { 's3:prefix': ['archive/*'] } } })]);
  });

  it('KMS use is granted only when a key is configured, and only on that key', () => {
    const kmsGrants = (s: Synthesized): Array<{ action: string; resource: string }> =>
      identityStatements(s.json).flatMap(({ statement }) => grants([statement])).filter((g) => g.action.startsWith('kms:'));
    expect(kmsGrants(plain)).toEqual([]);
    const key = `{${single(tuned.json, 'AWS::KMS::Key', 'BucketsKey')[0]}.Arn}`;
    expect(kmsGrants(tuned).length).toBeGreaterThan(0);
    for (const g of kmsGrants(tuned)) expect(g.resource).toBe(key);
    for (const g of kmsGrants(imported)) expect(g.resource).toBe(KEY_ARN);
    const { upload, plan } = functionIds(tuned);
    const actions = (id: string): string[] => grants(roleStatements(tuned.json, functionRoleId(tuned.json, id)))
      .filter((g) => g.action.startsWith('kms:')).map((g) => g.action).sort();
    expect(actions(upload)).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    // Listing needs no key: the plan function gets none.
    expect(actions(plan)).toEqual([]);
  });

  it('a filter file is readable as that one object only', () => {
    const { upload } = functionIds(imported);
    const reads = grants(roleStatements(imported.json, functionRoleId(imported.json, upload))).filter((g) => g.resource.includes('corp-config'));
    expect(reads.map((g) => `${g.action} ${g.resource}`)).toEqual(['s3:GetObject arn:{AWS::Partition}:s3:::corp-config/sysmon/filter.spl']);
  });
});

describe('archive scan: Scheduler → Step Functions Distributed Map → scan-batch', () => {
  type State = Record<string, unknown>;
  const states = (s: Synthesized): Record<string, State> => stateMachineDefinition(s.json).States as Record<string, State>;

  it('plans first, then maps over an S3 listing of the planned prefix in the logs bucket', () => {
    const definition = stateMachineDefinition(plain.json);
    const { plan, scan } = functionIds(plain);
    expect(definition.StartAt).toBe('Plan');
    const all = states(plain);
    expect(all.Plan).toMatchObject({ Type: 'Task', Resource: `{${plan}.Arn}`, ResultPath: '$.plan', Next: 'ScanArchive' });
    expect(all.ScanArchive).toMatchObject({
      Type: 'Map',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'ScanBatch',
        States: { ScanBatch: { Type: 'Task', Resource: `{${scan}.Arn}` } },
      },
      ItemReader: {
        Resource: 'arn:aws:states:::s3:listObjectsV2',
        Parameters: { Bucket: `{${bucketId(plain, 'BucketsLogs')}}`, 'Prefix.$': '$.plan.prefix' },
      },
      ItemBatcher: { MaxItemsPerBatch: 25, BatchInput: { bucket: `{${bucketId(plain, 'BucketsLogs')}}`, 'plan.$': '$.plan' } },
      MaxConcurrency: 50,
      ResultWriter: {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: { Bucket: `{${bucketId(plain, 'BucketsFindings')}}`, Prefix: 'map-results/' },
      },
    });
    // Tolerated failures default to 0, which ASL expresses by leaving the field out.
    expect(all.ScanArchive).not.toHaveProperty('ToleratedFailurePercentage');
  });

  it('batch size, concurrency, tolerated failures and the results prefix follow the settings', () => {
    expect(states(tuned).ScanArchive).toMatchObject({
      MaxConcurrency: 20,
      ToleratedFailurePercentage: 5,
      ItemBatcher: { MaxItemsPerBatch: 10 },
      ResultWriter: { Parameters: { Prefix: 'out/map-results/' } },
    });
  });

  it('scan-batch retries throttling with jitter, an incomplete batch five times, then anything once', () => {
    const scan = (states(plain).ScanArchive as { ItemProcessor: { States: { ScanBatch: { Retry: Array<Record<string, unknown>> } } } })
      .ItemProcessor.States.ScanBatch;
    expect(scan.Retry).toContainEqual(expect.objectContaining({ ErrorEquals: ['Lambda.TooManyRequestsException'], JitterStrategy: 'FULL' }));
    // The name functions/aws/archive-batch.ts gives ArchiveBatchIncompleteError, typed here by hand on purpose.
    expect(scan.Retry).toContainEqual(expect.objectContaining({ ErrorEquals: ['ArchiveBatchIncomplete'], MaxAttempts: 5 }));
    expect(scan.Retry.at(-1)).toMatchObject({ ErrorEquals: ['States.ALL'], MaxAttempts: 1 });
  });

  it('the state machine is Standard, logs ALL events, and times out after a day', () => {
    plain.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false, Destinations: [Match.anyValue()] },
    });
    expect(stateMachineDefinition(plain.json).TimeoutSeconds).toBe(86_400);
  });

  it('its role lists only the archive prefix and writes only map-results/', () => {
    const [, machine] = single(tuned.json, 'AWS::StepFunctions::StateMachine', '');
    const roleId = render(machine.Properties?.RoleArn).replace(/^\{|\.Arn\}$/g, '');
    const statements = roleStatements(tuned.json, roleId);
    const s3 = grants(statements).filter((g) => g.action.startsWith('s3:'));
    const findingsObjects = `{${bucketId(tuned, 'BucketsFindings')}.Arn}/out/map-results/*`;
    expect(s3.filter((g) => g.action !== 's3:ListBucket').map((g) => g.resource)).toEqual(Array(4).fill(findingsObjects));
    const list = statements.filter((st) => st.Action === 's3:ListBucket');
    expect(list).toEqual([expect.objectContaining({
      Resource: { 'Fn::GetAtt': [bucketId(tuned, 'BucketsLogs'), 'Arn'] },
      Condition: { StringLike: { 's3:prefix': ['archive/*'] } },
    })]);
  });

  it.each([
    ['default', () => plain, 'cron(15 1 * * ? *)', 'ENABLED'],
    ['tuned', () => tuned, 'rate(6 hours)', 'DISABLED'],
  ])('%s: EventBridge Scheduler starts it on the schedule expression, with retries and a dead-letter queue', (_name, get, expression, state) => {
    const s = get();
    const [machine] = single(s.json, 'AWS::StepFunctions::StateMachine', '');
    const [dlq] = single(s.json, 'AWS::SQS::Queue', 'ArchiveScanScheduleDeadLetters');
    s.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: 'Etc/UTC',
      State: state,
      Target: {
        Arn: { Ref: machine },
        RetryPolicy: { MaximumRetryAttempts: 3 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
      },
    });
    const [, schedule] = single(s.json, 'AWS::Scheduler::Schedule', '');
    const input = JSON.parse((schedule.Properties?.Target as { Input: string }).Input) as Record<string, unknown>;
    expect(input).toEqual({ trigger: 'schedule', scheduledTime: '<aws.scheduler.scheduled-time>', scheduleExecutionId: '<aws.scheduler.execution-id>' });
  });
});

describe('alarms and outputs', () => {
  /** Alarm properties by logical-id prefix. */
  function alarm(s: Synthesized, prefix: string): Record<string, unknown> {
    return single(s.json, 'AWS::CloudWatch::Alarm', prefix)[1].Properties ?? {};
  }

  it.each([
    ['AlarmsOnLogUploadedErrors', 'AWS/Lambda', 'Errors', 1],
    ['AlarmsOnLogUploadedThrottles', 'AWS/Lambda', 'Throttles', 1],
    ['AlarmsScanBatchErrors', 'AWS/Lambda', 'Errors', 1],
    ['AlarmsScanBatchThrottles', 'AWS/Lambda', 'Throttles', 1],
    ['AlarmsPlanArchiveScanErrors', 'AWS/Lambda', 'Errors', 1],
    ['AlarmsPlanArchiveScanThrottles', 'AWS/Lambda', 'Throttles', 1],
    ['AlarmsUploadDeadLettersVisible', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', 1],
    ['AlarmsScheduleDeadLettersVisible', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', 1],
    ['AlarmsUploadQueueOldestMessage', 'AWS/SQS', 'ApproximateAgeOfOldestMessage', 3600],
    ['AlarmsArchiveScanFailed', 'AWS/States', 'ExecutionsFailed', 1],
    ['AlarmsArchiveScanTimedOut', 'AWS/States', 'ExecutionsTimedOut', 1],
  ])('%s: %s %s ≥ %i notifies the alarm topic', (prefix, namespace, metric, threshold) => {
    const topic = single(plain.json, 'AWS::SNS::Topic', 'AlarmsTopic')[0];
    expect(alarm(plain, prefix)).toMatchObject({
      Namespace: namespace, MetricName: metric, Threshold: threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: [{ Ref: topic }],
    });
  });

  it('the alarms watch the right things', () => {
    const { upload } = functionIds(plain);
    expect(alarm(plain, 'AlarmsOnLogUploadedErrors').Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: upload } }]);
    const dlq = single(plain.json, 'AWS::SQS::Queue', 'UploadDeliveryDeadLetters')[0];
    expect(alarm(plain, 'AlarmsUploadDeadLettersVisible').Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }]);
    const machine = single(plain.json, 'AWS::StepFunctions::StateMachine', '')[0];
    expect(alarm(plain, 'AlarmsArchiveScanFailed').Dimensions).toEqual([{ Name: 'StateMachineArn', Value: { Ref: machine } }]);
    expect(resourcesOfType(plain.json, 'AWS::CloudWatch::Alarm')).toHaveLength(11);
  });

  it('the topic refuses plain HTTP; an e-mail subscription exists only when configured; KMS-encrypted with the stack key', () => {
    expect(resourcesOfType(plain.json, 'AWS::SNS::Subscription')).toEqual([]);
    tuned.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'soc@example.com' });
    const [, policy] = single(plain.json, 'AWS::SNS::TopicPolicy', 'AlarmsTopic');
    expect(asList((policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement))
      .toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    const key = single(tuned.json, 'AWS::KMS::Key', 'BucketsKey')[0];
    tuned.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
    tuned.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } })]) },
    });
  });

  it('outputs name the buckets, the queues and the state machine', () => {
    const outputs = plain.json.Outputs ?? {};
    expect(Object.keys(outputs).sort()).toEqual([
      'AlarmTopicArn', 'ArchiveScanStateMachineArn', 'FindingsBucketName', 'LogsBucketName',
      'ScheduleDeadLetterQueueUrl', 'UploadDeadLetterQueueUrl', 'UploadQueueUrl',
    ]);
    expect(outputs.LogsBucketName).toMatchObject({ Value: { Ref: bucketId(plain, 'BucketsLogs') } });
    expect(outputs.FindingsBucketName).toMatchObject({ Value: { Ref: bucketId(plain, 'BucketsFindings') } });
    expect(outputs.UploadQueueUrl).toMatchObject({ Value: { Ref: single(plain.json, 'AWS::SQS::Queue', 'UploadDeliveryUploads')[0] } });
  });
});

describe('validation', () => {
  it('passes AWS\'s CloudFormation validator with findings as errors (the CDK built-in, offline)', () => {
    delete process.env.CDK_VALIDATION;
    try {
      const { app } = buildApp({ context: { ...TUNED, '@aws-cdk/core:validateAgainstDefaultRules': true } });
      expect(() => app.synth()).not.toThrow();
    } finally {
      process.env.CDK_VALIDATION = 'false';
    }
  });

  it('cdk-nag is wired in: a wildcard grant added after the justifications fails the synth', () => {
    const { app, stack } = buildApp({});
    stack.functions.onLogUploaded.addToRolePolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [`${stack.buckets.findings.bucketArn}/*`],
    }));
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Resource::<BucketsFindings[A-Za-z0-9]+\.Arn>\/\*\]/);
  });
});
