/**
 * The upload path's delivery: logs-bucket ObjectCreated → SQS (encrypted, with a dead-letter queue) →
 * on-log-uploaded. SQS between S3 and Lambda buffers bursts, bounds concurrency and keeps failures for redrive.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { PipelineSettings } from './pipeline-settings.ts';

/** Receives after which a message moves to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 3;

/** SQS's maximum retention, so a failed upload can be redriven for two weeks. */
const DLQ_RETENTION = Duration.days(14);

/** Queue, dead-letter queue and the wiring from the logs bucket to the function. */
export class UploadDelivery extends Construct {
  /** Upload notifications waiting for on-log-uploaded. */
  readonly queue: sqs.Queue;
  /** Notifications that failed MAX_RECEIVE_COUNT times. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: { settings: PipelineSettings; logs: s3.IBucket; handler: lambda.IFunction; handlerTimeout: Duration }) {
    super(scope, id);
    const { settings, logs, handler } = props;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the upload queue; a dead-letter queue of its own would have no consumer.',
    });

    // AWS: visibility ≥ 6 × the function timeout (+ the batching window), so a message is not redelivered while a
    // retried invocation still holds it. SSE-SQS, not a customer key: S3 can publish to it without a key policy.
    const batchingWindow = settings.queueMaxBatchingWindowSeconds;
    this.queue = new sqs.Queue(this, 'Uploads', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(6 * props.handlerTimeout.toSeconds() + batchingWindow),
      retentionPeriod: DLQ_RETENTION,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    // S3 allows one prefix and one suffix per notification; several suffixes become several notifications.
    const suffixes = settings.uploadSuffixes.length > 0 ? settings.uploadSuffixes : [undefined];
    for (const suffix of suffixes) {
      const filter: s3.NotificationKeyFilter = {
        ...(settings.uploadPrefix === '' ? {} : { prefix: settings.uploadPrefix }),
        ...(suffix === undefined ? {} : { suffix }),
      };
      // CDK rejects an empty filter object: pass none when neither prefix nor suffix is set.
      const filters = filter.prefix === undefined && filter.suffix === undefined ? [] : [filter];
      logs.addEventNotification(s3.EventType.OBJECT_CREATED, new SqsDestination(this.queue), ...filters);
    }

    handler.addEventSource(new SqsEventSource(this.queue, {
      batchSize: settings.queueBatchSize,
      maxBatchingWindow: Duration.seconds(batchingWindow),
      reportBatchItemFailures: true,
      maxConcurrency: settings.queueMaxConcurrency,
    }));
  }
}
