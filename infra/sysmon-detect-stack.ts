/**
 * The whole pipeline in one stack: buckets, the upload path (S3 → SQS → λ), the scheduled archive scan
 * (Scheduler → Step Functions Distributed Map → λ), alarms and outputs.
 */
import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ArchiveScan } from './archive-scan.ts';
import { DetectionFunctions } from './detection-functions.ts';
import { PipelineAlarms } from './pipeline-alarms.ts';
import { PipelineBuckets } from './pipeline-buckets.ts';
import type { PipelineSettings } from './pipeline-settings.ts';
import { UploadDelivery } from './upload-delivery.ts';
import { acknowledgeJustifiedWildcards, pipelineJustifications } from './wildcard-justifications.ts';

/** Construct id CDK gives its singleton bucket-notifications Lambda (aws-s3 notifications-resource-handler). */
const NOTIFICATIONS_HANDLER_ID = 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834';

/** Props: the usual StackProps plus the pipeline settings. */
export interface SysmonDetectStackProps extends StackProps {
  readonly settings: PipelineSettings;
}

/** sysmon-s3-detect, deployable with one `cdk deploy`. */
export class SysmonDetectStack extends Stack {
  /** Logs and findings buckets (and the access-log bucket and key, when created). */
  readonly buckets: PipelineBuckets;
  /** The three Lambda functions. */
  readonly functions: DetectionFunctions;
  /** Upload queue and its dead-letter queue. */
  readonly delivery: UploadDelivery;
  /** State machine and schedule of the archive scan. */
  readonly archiveScan: ArchiveScan;
  /** Alarm topic and alarms. */
  readonly alarms: PipelineAlarms;

  constructor(scope: Construct, id: string, props: SysmonDetectStackProps) {
    super(scope, id, { description: 'sysmon-s3-detect: Splunk ESCU detection over Sysmon logs in S3', ...props });
    const { settings } = props;

    this.buckets = new PipelineBuckets(this, 'Buckets', settings);
    this.functions = new DetectionFunctions(this, 'Functions', settings, this.buckets);
    this.delivery = new UploadDelivery(this, 'UploadDelivery', {
      settings,
      logs: this.buckets.logs,
      handler: this.functions.onLogUploaded,
      handlerTimeout: Duration.seconds(settings.uploadFunctionTimeoutSeconds),
    });
    this.archiveScan = new ArchiveScan(this, 'ArchiveScan', {
      settings,
      buckets: this.buckets,
      plan: this.functions.planArchiveScan,
      scanBatch: this.functions.scanBatch,
    });
    this.alarms = new PipelineAlarms(this, 'Alarms', {
      functions: {
        OnLogUploaded: this.functions.onLogUploaded,
        ScanBatch: this.functions.scanBatch,
        PlanArchiveScan: this.functions.planArchiveScan,
      },
      uploadQueue: this.delivery.queue,
      deadLetterQueues: {
        UploadDeadLetters: this.delivery.deadLetterQueue,
        ScheduleDeadLetters: this.archiveScan.scheduleDeadLetterQueue,
      },
      stateMachine: this.archiveScan.stateMachine,
      queueAgeAlarmSeconds: settings.queueAgeAlarmSeconds,
      alarmEmail: settings.alarmEmail,
      key: this.buckets.key,
    });

    // The S3 → SQS notification is written by CDK's own custom resource (Custom::S3BucketNotifications); CDK creates
    // its Lambda role with the AWS managed basic-execution policy. Acknowledged on that handler only.
    const notificationsHandler = this.node.tryFindChild(NOTIFICATIONS_HANDLER_ID);
    if (notificationsHandler !== undefined) {
      Validations.of(notificationsHandler).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'CDK\'s BucketNotificationsHandler (runs only during deployments to write the logs bucket\'s notification '
          + 'configuration) uses AWSLambdaBasicExecutionRole; the pipeline\'s own roles carry inline least-privilege policies.',
      });
    }

    // Every IAM wildcard must match a justified shape; anything else is left for cdk-nag to fail the synth.
    acknowledgeJustifiedWildcards(this, pipelineJustifications({
      outputPrefix: settings.outputPrefix,
      logsReadPrefixes: [settings.uploadPrefix, settings.archivePrefix],
    }));

    new CfnOutput(this, 'LogsBucketName', { value: this.buckets.logs.bucketName, description: 'Upload Sysmon logs here' });
    new CfnOutput(this, 'FindingsBucketName', { value: this.buckets.findings.bucketName, description: 'findings/, ledger/, quarantine/ are written here' });
    new CfnOutput(this, 'UploadQueueUrl', { value: this.delivery.queue.queueUrl });
    new CfnOutput(this, 'UploadDeadLetterQueueUrl', { value: this.delivery.deadLetterQueue.queueUrl, description: 'Failed uploads; redrive after a fix' });
    new CfnOutput(this, 'ScheduleDeadLetterQueueUrl', { value: this.archiveScan.scheduleDeadLetterQueue.queueUrl });
    new CfnOutput(this, 'ArchiveScanStateMachineArn', { value: this.archiveScan.stateMachine.stateMachineArn, description: 'Start by hand for an ad-hoc archive scan' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
  }
}
