/**
 * The upload path's invocation: decode the envelope, scan each announced object with the shared scanObject, and answer
 * in the way the trigger understands.
 * - SQS: `{ batchItemFailures }` naming only the messages to redeliver (a transient S3 error, an interrupted scan, a
 *   message not reached before the deadline, an unreadable body — which then ends in the DLQ after maxReceiveCount).
 *   A permanently bad object is NOT a failure: its ledger entry says `failed` and the message is deleted.
 * - Direct S3 notification / EventBridge: the per-item outcomes; when any item must be retried, a
 *   DeliveryRetryError after every item was tried (Lambda's async retry then redelivers the event).
 */
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { deadlineSignal } from './deadline-signal.ts';
import type { FunctionRuntime } from './function-runtime.ts';
import { decodeEvent, type EnvelopeItem } from './object-events.ts';
import { scanObject, type ObjectOutcome } from './scan-object.ts';

/** What happened to one envelope item. */
export type ItemReport =
  | { kind: 'object'; outcome: ObjectOutcome }
  | { kind: 'test-event'; bucket?: string }
  | { kind: 'ignored'; reason: string }
  | { kind: 'retry'; bucket: string; key: string; reason: string };

/** The answer to a direct (non-SQS) invocation. */
export interface DirectResponse {
  items: ItemReport[];
}

/** Some items of a direct invocation must be retried; the others are done (their outputs are written). */
export class DeliveryRetryError extends Error {
  readonly items: ItemReport[];
  constructor(items: ItemReport[]) {
    const retry = items.filter((i): i is Extract<ItemReport, { kind: 'retry' }> => i.kind === 'retry');
    super(`${retry.length} object(s) must be retried: ${retry.map((i) => `s3://${i.bucket}/${i.key} (${i.reason})`).join('; ')}`);
    this.name = 'DeliveryRetryError';
    this.items = items;
  }
}

async function handleItem(runtime: FunctionRuntime, item: EnvelopeItem, signal: AbortSignal): Promise<ItemReport> {
  const { logger } = runtime.telemetry;
  switch (item.kind) {
    case 'test-event':
      logger.info('s3:TestEvent acknowledged', item.bucket === undefined ? {} : { bucket: item.bucket });
      return item;
    case 'ignored':
      logger.info('event ignored', { reason: item.reason });
      return item;
    case 'object': {
      const { bucket, key } = item.object;
      if (signal.aborted) return { kind: 'retry', bucket, key, reason: 'not started before the deadline' };
      try {
        const outcome = await scanObject(runtime, item.object, { signal });
        if (outcome.status === 'interrupted') return { kind: 'retry', bucket, key, reason: `interrupted at byte ${outcome.resume.offset}` };
        return { kind: 'object', outcome };
      } catch (error) {
        logger.error('transient error; the delivery will be retried', { bucket, key, error: error as Error });
        return { kind: 'retry', bucket, key, reason: (error as Error).message };
      }
    }
  }
}

/** Handles one on-log-uploaded invocation. */
export async function handleUploadEvent(runtime: FunctionRuntime, event: unknown, context: Context): Promise<SQSBatchResponse | DirectResponse> {
  const { logger, metrics } = runtime.telemetry;
  logger.addContext(context);
  const deadline = deadlineSignal(context, runtime.config.deadlineReserveMs);
  try {
    const decoded = decodeEvent(event);
    if (decoded.kind === 'sqs') {
      const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
      for (const message of decoded.messages) {
        if ('error' in message) {
          logger.error('unreadable SQS message; left for redelivery and the DLQ', { messageId: message.messageId, error: message.error });
          batchItemFailures.push({ itemIdentifier: message.messageId });
          continue;
        }
        let retry = false;
        for (const item of message.items) {
          const report = await handleItem(runtime, item, deadline.signal);
          if (report.kind === 'retry') retry = true;
        }
        if (retry) batchItemFailures.push({ itemIdentifier: message.messageId });
      }
      return { batchItemFailures };
    }
    const items: ItemReport[] = [];
    for (const item of decoded.items) items.push(await handleItem(runtime, item, deadline.signal));
    if (items.some((i) => i.kind === 'retry')) throw new DeliveryRetryError(items);
    return { items };
  } finally {
    deadline.dispose();
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
