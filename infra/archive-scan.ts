/**
 * The scheduled archive scan: EventBridge Scheduler → Step Functions (Standard):
 *   Plan (plan-archive-scan λ) → Distributed Map [S3 ItemReader over the planned prefix, ItemBatcher,
 *   MaxConcurrency, ToleratedFailurePercentage, ResultWriter → <findings>/<outputPrefix>map-results/] → scan-batch λ.
 * Listing and fan-out to millions of objects is AWS's own engine; nothing here paginates or queues by hand.
 *
 * Contract with the handlers (JSONPath):
 * - plan-archive-scan receives the execution input (from the schedule: `{trigger, scheduledTime, scheduleExecutionId}`)
 *   and returns the plan `{ bucket, prefix, window, … }` (functions/aws/archive-plan.ts); only `prefix` is read here,
 *   and the whole plan is kept at `$.plan`. The ItemReader's bucket is fixed to the logs bucket: a bucket taken from
 *   the plan would need ListBucket on every bucket (`Resource: "*"`).
 * - the ItemReader lists `Bucket = LOGS_BUCKET, Prefix = $.plan.prefix` (ListObjectsV2 cannot filter by time, so
 *   scan-batch skips objects outside the planned window itself);
 * - scan-batch receives `{ Items: [{Key, Size, Etag, LastModified, StorageClass}], BatchInput: { bucket, plan } }`.
 */
import { Duration, RemovalPolicy, TimeZone, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { PipelineBuckets } from './pipeline-buckets.ts';
import type { PipelineSettings } from './pipeline-settings.ts';

/** The error name scan-batch gives a batch that must be retried (ArchiveBatchIncompleteError.name). */
export const BATCH_INCOMPLETE_ERROR = 'ArchiveBatchIncomplete';

/** A run that has not finished in a day overlaps the next daily run: stop it and alarm instead. */
const RUN_TIMEOUT = Duration.hours(24);

/**
 * The S3 ItemReader, with its ListBucket grant narrowed to the archive prefix: CDK's grants the whole bucket, and a
 * plan that strayed outside ARCHIVE_PREFIX should fail with AccessDenied rather than sweep other data.
 */
class ArchiveListing extends sfn.S3ObjectsItemReader {
  private readonly archivePrefix: string;
  constructor(props: sfn.S3ObjectsItemReaderProps, archivePrefix: string) {
    super(props);
    this.archivePrefix = archivePrefix;
  }
  override providePolicyStatements(): iam.PolicyStatement[] {
    return [new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [this.bucket.bucketArn],
      ...(this.archivePrefix === '' ? {} : { conditions: { StringLike: { 's3:prefix': [`${this.archivePrefix}*`] } } }),
    })];
  }
}

/**
 * The ResultWriter, with its grant narrowed to map-results/: CDK's grants PutObject on `<bucket>/*`, which would let
 * the state machine overwrite findings and ledger entries.
 */
class MapResultsWriter extends sfn.ResultWriterV2 {
  override providePolicyStatements(): iam.PolicyStatement[] {
    if (this.bucket === undefined) return super.providePolicyStatements();
    return [new iam.PolicyStatement({
      actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
      resources: [`${this.bucket.bucketArn}/${this.prefix ?? ''}*`],
    })];
  }
}

/** State machine, schedule and the schedule's dead-letter queue. */
export class ArchiveScan extends Construct {
  /** The Standard state machine running plan → Distributed Map → scan-batch. */
  readonly stateMachine: sfn.StateMachine;
  /** The EventBridge Scheduler schedule that starts it. */
  readonly schedule: scheduler.Schedule;
  /** Schedule invocations that could not start an execution after their retries. */
  readonly scheduleDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: {
    settings: PipelineSettings;
    buckets: PipelineBuckets;
    plan: lambda.IFunction;
    scanBatch: lambda.IFunction;
  }) {
    super(scope, id);
    const { settings, buckets } = props;

    const plan = new tasks.LambdaInvoke(this, 'Plan', {
      lambdaFunction: props.plan,
      payloadResponseOnly: true,
      resultPath: '$.plan',
    });

    const scan = new tasks.LambdaInvoke(this, 'ScanBatch', {
      lambdaFunction: props.scanBatch,
      payloadResponseOnly: true,
    });
    // Concurrency limits surface as throttles: back off with jitter rather than fail the batch.
    scan.addRetry({
      errors: ['Lambda.TooManyRequestsException'],
      interval: Duration.seconds(5),
      maxAttempts: 8,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    // scan-batch throws ArchiveBatchIncomplete (functions/aws/archive-batch.ts) when items hit a transient error or its
    // deadline: each retry skips finished items (ledger) and resumes interrupted ones (checkpoints), so big objects
    // advance by up to one invocation per attempt.
    scan.addRetry({ errors: [BATCH_INCOMPLETE_ERROR], interval: Duration.seconds(10), maxAttempts: 5, backoffRate: 2 });
    // Anything else (a Lambda timeout included) is retried once: the function resumes from its checkpoint.
    scan.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(30), maxAttempts: 1 });

    const map = new sfn.DistributedMap(this, 'ScanArchive', {
      label: 'ArchiveScan',
      itemReader: new ArchiveListing({ bucket: buckets.logs, prefix: sfn.JsonPath.stringAt('$.plan.prefix') }, settings.archivePrefix),
      itemBatcher: new sfn.ItemBatcher({
        maxItemsPerBatch: settings.archiveItemsPerBatch,
        // Rendered as written: `.$` keys are JSONPath references into the Map state's input.
        batchInput: { bucket: buckets.logs.bucketName, 'plan.$': '$.plan' },
      }),
      maxConcurrency: settings.archiveMaxConcurrency,
      toleratedFailurePercentage: settings.archiveToleratedFailurePercentage,
      resultWriterV2: new MapResultsWriter({ bucket: buckets.findings, prefix: `${settings.outputPrefix}map-results/` }),
      resultPath: '$.mapRun',
    });
    map.itemProcessor(scan);

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Scheduled archive scan of Sysmon logs: plan, then a Distributed Map of scan-batch over the archive prefix',
      definitionBody: sfn.DefinitionBody.fromChainable(plan.next(map)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: RUN_TIMEOUT,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    if (buckets.key !== undefined) {
      // The ResultWriter PUTs (multipart) into the findings bucket.
      this.stateMachine.addToRolePolicy(new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [buckets.key.keyArn],
      }));
    }
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-SF2',
      reason: 'X-Ray tracing is off: execution history, ALL-level logs and the map results already show every step, '
        + 'and tracing millions of child executions would add cost without a question it answers.',
    });

    this.scheduleDeadLetterQueue = new sqs.Queue(this, 'ScheduleDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.scheduleDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the archive-scan schedule; it has no consumer to fail.',
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Starts the archive scan of Sysmon logs',
      schedule: scheduler.ScheduleExpression.expression(settings.archiveSchedule, TimeZone.ETC_UTC),
      enabled: settings.archiveScheduleEnabled,
      target: new StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({
          trigger: 'schedule',
          // The planned window is computed from the scheduled time, so a retried start plans the same window.
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
          scheduleExecutionId: scheduler.ContextAttribute.executionId,
        }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: this.scheduleDeadLetterQueue,
      }),
    });
  }
}
