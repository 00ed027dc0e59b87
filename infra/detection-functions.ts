/**
 * The three Lambda functions, bundled from the handler files by the local esbuild (no Docker), each with its own
 * role, log group and least-privilege bucket access. Environment variable names come from functions/aws/env-names.ts.
 */
import { fileURLToPath } from 'node:url';
import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV } from '../functions/aws/env-names.ts';
import { outputAccessStatements, type OutputAccess } from './output-access.ts';
import type { PipelineBuckets } from './pipeline-buckets.ts';
import { filterObject, type PipelineSettings } from './pipeline-settings.ts';

/** Repository root: NodejsFunction's projectRoot, where package-lock.json and tsconfig.json live. */
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Powertools service name shared by the functions (the function name tells them apart in logs). */
export const SERVICE_NAME = 'sysmon-s3-detect';

/**
 * The plan step only lists prefixes and reads small ledger JSON: 512 MB (~0.3 vCPU) parses JSON fast enough, and
 * 300 s covers listing ~1M keys at 1,000 keys per ListObjectsV2 page.
 */
const PLAN_MEMORY_MB = 512;
const PLAN_TIMEOUT_SECONDS = 300;

/** Where the three handlers live, relative to this file. */
const HANDLER_ENTRIES = {
  onLogUploaded: '../functions/handlers/on-log-uploaded.ts',
  scanBatch: '../functions/handlers/scan-batch.ts',
  planArchiveScan: '../functions/handlers/plan-archive-scan.ts',
} as const;

/** The functions of the pipeline. */
export class DetectionFunctions extends Construct {
  /** Scans one uploaded object per SQS message (the upload path). */
  readonly onLogUploaded: nodejs.NodejsFunction;
  /** Scans one Distributed Map batch of archived objects. */
  readonly scanBatch: nodejs.NodejsFunction;
  /** First step of the archive scan: decides bucket, prefix and window. */
  readonly planArchiveScan: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, settings: PipelineSettings, buckets: PipelineBuckets) {
    super(scope, id);
    const targets = { logs: buckets.logs, findings: buckets.findings, outputPrefix: settings.outputPrefix, key: buckets.key };
    const common: Record<string, string> = {
      [ENV.findingsBucket]: buckets.findings.bucketName,
      [ENV.logsBucket]: buckets.logs.bucketName,
      [ENV.outputPrefix]: settings.outputPrefix,
      [ENV.userFormat]: settings.userFormat,
      [ENV.serviceName]: SERVICE_NAME,
      [ENV.metricsNamespace]: settings.metricsNamespace,
      [ENV.logLevel]: settings.logLevel,
      [ENV.s3ReadPartBytes]: String(settings.s3ReadPartBytes),
      [ENV.s3ReadConcurrency]: String(settings.s3ReadConcurrency),
      [ENV.maxObjectBytes]: String(settings.maxObjectBytes),
      [ENV.maxDecompressionRatio]: String(settings.maxDecompressionRatio),
      [ENV.decompressionRatioFloorBytes]: String(settings.decompressionRatioFloorBytes),
      [ENV.jsonTimeZone]: settings.jsonTimeZone,
      ...(settings.filterExpressions === '' ? {} : { [ENV.filterExpressions]: settings.filterExpressions }),
      ...(settings.filterS3Uri === undefined ? {} : { [ENV.filterS3Uri]: settings.filterS3Uri }),
      // The bundles ship source maps; without this flag Node ignores them and stack traces point into minified code.
      NODE_OPTIONS: '--enable-source-maps',
    };
    const archive = { [ENV.archivePrefix]: settings.archivePrefix, [ENV.archiveWindow]: settings.archiveWindow };
    const scanOutputs: Pick<OutputAccess, 'writeFolders' | 'readFolders' | 'deleteFolders'> = {
      writeFolders: ['findings/', 'ledger/', 'quarantine/', 'checkpoints/'],
      readFolders: ['ledger/', 'checkpoints/'],
      deleteFolders: ['checkpoints/'],
    };

    this.onLogUploaded = this.detectionFunction('OnLogUploaded', {
      entry: HANDLER_ENTRIES.onLogUploaded,
      description: 'Scans Sysmon logs uploaded to the logs bucket (S3 event → SQS) for the ESCU detection',
      memoryMb: settings.uploadFunctionMemoryMb,
      timeoutSeconds: settings.uploadFunctionTimeoutSeconds,
      reservedConcurrency: settings.uploadFunctionReservedConcurrency,
      environment: common,
      statements: outputAccessStatements(targets, { readLogsUnder: settings.uploadPrefix, ...scanOutputs }),
      settings,
    });
    this.scanBatch = this.detectionFunction('ScanBatch', {
      entry: HANDLER_ENTRIES.scanBatch,
      description: 'Scans one Distributed Map batch of archived Sysmon logs for the ESCU detection',
      memoryMb: settings.scanFunctionMemoryMb,
      timeoutSeconds: settings.scanFunctionTimeoutSeconds,
      reservedConcurrency: settings.scanFunctionReservedConcurrency,
      environment: { ...common, ...archive },
      statements: outputAccessStatements(targets, { readLogsUnder: settings.archivePrefix, ...scanOutputs }),
      settings,
    });
    this.planArchiveScan = this.detectionFunction('PlanArchiveScan', {
      entry: HANDLER_ENTRIES.planArchiveScan,
      description: 'Plans a scheduled archive scan: which bucket, prefix and time window to sweep',
      memoryMb: PLAN_MEMORY_MB,
      timeoutSeconds: PLAN_TIMEOUT_SECONDS,
      reservedConcurrency: undefined,
      environment: { ...common, ...archive },
      // It lists one partition to choose the prefix; it reads no objects and writes nothing.
      statements: outputAccessStatements(targets, {
        listLogsUnder: settings.archivePrefix,
        writeFolders: [],
        readFolders: [],
        deleteFolders: [],
      }),
      settings,
    });
  }

  /** One function with its own role (no AWS managed policy), log group and the given statements. */
  private detectionFunction(id: string, spec: FunctionSpec): nodejs.NodejsFunction {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: spec.settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}: its log group and its bucket prefixes only`,
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:* on every log group): streams of this function's group only.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }));
    for (const statement of spec.statements) role.addToPrincipalPolicy(statement);
    const filter = spec.settings.filterS3Uri === undefined ? undefined : filterObject(spec.settings.filterS3Uri);
    if (filter !== undefined) {
      // The filter file named by FILTER_S3_URI, read once at cold start: that one object only.
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ReadFilterFile',
        actions: ['s3:GetObject'],
        resources: [`arn:${Aws.PARTITION}:s3:::${filter.bucket}/${filter.key}`],
      }));
    }

    const fn = new nodejs.NodejsFunction(this, id, {
      entry: fileURLToPath(new URL(spec.entry, import.meta.url)),
      handler: 'handler',
      description: spec.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      ...(spec.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: spec.reservedConcurrency }),
      role,
      logGroup,
      environment: spec.environment,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: fileURLToPath(new URL('../package-lock.json', import.meta.url)),
      bundling: {
        format: nodejs.OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        target: 'node22',
        mainFields: ['module', 'main'],
        // ESM bundles have no `require`; some CommonJS dependencies call it for Node built-ins.
        banner: "import {createRequire as __cr} from 'node:module'; const require = __cr(import.meta.url);",
        // The nodejs22.x runtime ships AWS SDK v3; leaving it out keeps bundles small and cold starts short.
        externalModules: ['@aws-sdk/*'],
        forceDockerBundling: false,
        // Errors and warnings only: the per-file size table adds nothing to a synth log.
        logLevel: nodejs.LogLevel.WARNING,
      },
    });
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'nodejs22.x is the deliberate target (DESIGN.md): the code is built and tested for Node 20/22; nodejs24.x would run untested.',
    });
    return fn;
  }
}

/** What differs between the functions. */
interface FunctionSpec {
  readonly entry: string;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly reservedConcurrency: number | undefined;
  readonly environment: Record<string, string>;
  readonly statements: iam.PolicyStatement[];
  readonly settings: PipelineSettings;
}
