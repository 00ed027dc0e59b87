/**
 * Alarms on everything that can silently lose or delay detections, all notifying one SNS topic:
 * function errors and throttles, messages in a dead-letter queue, upload backlog age, archive-scan failures.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** Every alarm looks at 5-minute periods: short enough to page quickly, long enough for SQS metrics (1-minute granularity at best). */
const PERIOD = Duration.minutes(5);

/** What the alarms watch. */
export interface AlarmTargets {
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  readonly uploadQueue: sqs.IQueue;
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  readonly stateMachine: sfn.IStateMachine;
  readonly queueAgeAlarmSeconds: number;
  readonly alarmEmail?: string;
  /** The stack's customer key, if it created one; the topic is then encrypted with it. */
  readonly key?: kms.IKey;
}

/** The alarm topic and the alarms. */
export class PipelineAlarms extends Construct {
  /** Receives every alarm of the pipeline. */
  readonly topic: sns.Topic;
  /** All alarms, by construct id. */
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, targets: AlarmTargets) {
    super(scope, id);
    // CloudWatch can publish to an encrypted topic only if the key policy lets it: possible for a key this stack
    // created, not for an imported one (its policy is not ours) nor the AWS-managed alias/aws/sns key.
    const ownKey = targets.key instanceof kms.Key ? targets.key : undefined;
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'sysmon-s3-detect alarms',
      enforceSSL: true,
      ...(ownKey === undefined ? {} : { masterKey: ownKey }),
    });
    if (ownKey !== undefined) {
      ownKey.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }));
    } else {
      Validations.of(this.topic).acknowledge({
        id: 'AwsSolutions-SNS2',
        reason: 'Alarm notifications carry only alarm names and states. CloudWatch cannot publish to a topic encrypted with the '
          + 'AWS-managed SNS key; set encryption=kms to encrypt the topic with the stack\'s own key.',
      });
    }
    if (targets.alarmEmail !== undefined) this.topic.addSubscription(new EmailSubscription(targets.alarmEmail));

    const action = new SnsAction(this.topic);
    const add = (alarmId: string, metric: cloudwatch.IMetric, description: string, threshold = 1): void => {
      const alarm = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      alarm.addAlarmAction(action);
      this.alarms.push(alarm);
    };

    for (const [name, fn] of Object.entries(targets.functions)) {
      add(`${name}Errors`, fn.metricErrors({ period: PERIOD, statistic: 'Sum' }), `${name}: invocations failed`);
      add(`${name}Throttles`, fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }), `${name}: invocations throttled`);
    }
    for (const [name, queue] of Object.entries(targets.deadLetterQueues)) {
      add(`${name}Visible`, queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
        `${name}: messages are waiting in a dead-letter queue (inspect, fix, then redrive)`);
    }
    add('UploadQueueOldestMessage',
      targets.uploadQueue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' }),
      `Upload queue: the oldest message has waited ≥ ${targets.queueAgeAlarmSeconds} s (the upload path is falling behind)`,
      targets.queueAgeAlarmSeconds);
    add('ArchiveScanFailed', targets.stateMachine.metricFailed({ period: PERIOD, statistic: 'Sum' }), 'Archive scan: an execution failed');
    add('ArchiveScanTimedOut', targets.stateMachine.metricTimedOut({ period: PERIOD, statistic: 'Sum' }), 'Archive scan: an execution timed out');
  }
}
