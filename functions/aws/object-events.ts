/**
 * Lambda event envelopes → the objects they announce. Accepted: S3 event notifications (direct, or as the body of SQS
 * messages, optionally inside an SNS notification), EventBridge "Object Created" events (direct or via SQS), and the
 * `s3:TestEvent` S3 sends when a notification is configured. Format quirks handled here:
 * - S3 notifications URL-encode the key form-style (`+` is a space, `%2B` a plus); EventBridge keys are NOT encoded;
 * - S3 notification ETags have no quotes; the version id is `versionId` in notifications and `version-id` in EventBridge.
 */

/** One object an event announces. Keys are decoded. */
export interface ObjectRef {
  bucket: string;
  key: string;
  versionId?: string;
  etag?: string;
  size?: number;
  /** `ObjectCreated:Put`, `Object Created`, … (for logs). */
  eventName?: string;
  eventTime?: string;
}

/** What one envelope record asks for. */
export type EnvelopeItem =
  | { kind: 'object'; object: ObjectRef }
  | { kind: 'test-event'; bucket?: string }
  | { kind: 'ignored'; reason: string };

/** One SQS message: its items, or why its body could not be read. */
export type SqsMessageItems =
  | { messageId: string; items: EnvelopeItem[] }
  | { messageId: string; error: EventShapeError };

/** A decoded invocation. SQS invocations keep messages apart so each can fail alone. */
export type DecodedEvent =
  | { kind: 'sqs'; messages: SqsMessageItems[] }
  | { kind: 'direct'; items: EnvelopeItem[] };

/** An event that is not one of the accepted shapes; `path` says where in the JSON it went wrong. */
export class EventShapeError extends Error {
  /** JSON path of the offending value, e.g. `Records[0].s3.object.key`. */
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'EventShapeError';
    this.path = path;
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(record: Json, field: string, path: string): string {
  const value = record[field];
  if (typeof value !== 'string' || value === '') throw new EventShapeError(`${path}.${field}`, 'expected a non-empty string');
  return value;
}

function optionalText(record: Json, field: string): string | undefined {
  const value = record[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function optionalSize(record: Json, field: string): number | undefined {
  const value = record[field];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Decodes a key as S3 notifications encode it: form-style, so `+` is a space, then percent-escapes. */
export function decodeS3Key(encoded: string, path = 'key'): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    throw new EventShapeError(path, `malformed URL-encoded key ${JSON.stringify(encoded)}`);
  }
}

/** Encodes a key as S3 notifications do (the inverse of decodeS3Key), for local servers that do not. */
export function encodeS3Key(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+');
}

/** ETag without the quotes S3 puts around it in HTTP headers and listings. */
export function unquoteEtag(etag: string): string {
  return etag.replace(/^(W\/)?"(.*)"$/, '$2');
}

function s3NotificationRecord(record: unknown, path: string): EnvelopeItem {
  if (!isObject(record)) throw new EventShapeError(path, 'expected an object');
  const eventName = text(record, 'eventName', path);
  if (!eventName.startsWith('ObjectCreated:')) return { kind: 'ignored', reason: `event ${eventName} is not ObjectCreated` };
  const s3 = record.s3;
  if (!isObject(s3)) throw new EventShapeError(`${path}.s3`, 'expected an object');
  const bucketRecord = s3.bucket;
  const objectRecord = s3.object;
  if (!isObject(bucketRecord)) throw new EventShapeError(`${path}.s3.bucket`, 'expected an object');
  if (!isObject(objectRecord)) throw new EventShapeError(`${path}.s3.object`, 'expected an object');
  const object: ObjectRef = {
    bucket: text(bucketRecord, 'name', `${path}.s3.bucket`),
    key: decodeS3Key(text(objectRecord, 'key', `${path}.s3.object`), `${path}.s3.object.key`),
    eventName,
  };
  const versionId = optionalText(objectRecord, 'versionId');
  const etag = optionalText(objectRecord, 'eTag');
  const size = optionalSize(objectRecord, 'size');
  const eventTime = optionalText(record, 'eventTime');
  if (versionId !== undefined) object.versionId = versionId;
  if (etag !== undefined) object.etag = unquoteEtag(etag);
  if (size !== undefined) object.size = size;
  if (eventTime !== undefined) object.eventTime = eventTime;
  return { kind: 'object', object };
}

function eventBridgeEvent(event: Json, path: string): EnvelopeItem {
  const detailType = text(event, 'detail-type', path);
  if (detailType !== 'Object Created') return { kind: 'ignored', reason: `EventBridge ${detailType} is not Object Created` };
  const detail = event.detail;
  if (!isObject(detail)) throw new EventShapeError(`${path}.detail`, 'expected an object');
  const bucketRecord = detail.bucket;
  const objectRecord = detail.object;
  if (!isObject(bucketRecord)) throw new EventShapeError(`${path}.detail.bucket`, 'expected an object');
  if (!isObject(objectRecord)) throw new EventShapeError(`${path}.detail.object`, 'expected an object');
  // EventBridge carries the key as stored: no URL decoding.
  const object: ObjectRef = {
    bucket: text(bucketRecord, 'name', `${path}.detail.bucket`),
    key: text(objectRecord, 'key', `${path}.detail.object`),
    eventName: detailType,
  };
  const versionId = optionalText(objectRecord, 'version-id');
  const etag = optionalText(objectRecord, 'etag');
  const size = optionalSize(objectRecord, 'size');
  const time = optionalText(event, 'time');
  if (versionId !== undefined) object.versionId = versionId;
  if (etag !== undefined) object.etag = unquoteEtag(etag);
  if (size !== undefined) object.size = size;
  if (time !== undefined) object.eventTime = time;
  return { kind: 'object', object };
}

/** Items of one non-SQS payload: an S3 notification, an EventBridge event, a test event or an SNS wrapper of these. */
export function decodePayload(payload: unknown, path = '$'): EnvelopeItem[] {
  if (!isObject(payload)) throw new EventShapeError(path, 'expected a JSON object');
  if (payload.Event === 's3:TestEvent') {
    const bucketName = optionalText(payload, 'Bucket');
    return [{ kind: 'test-event', ...(bucketName === undefined ? {} : { bucket: bucketName }) }];
  }
  if (payload.source === 'aws.s3' && 'detail-type' in payload) return [eventBridgeEvent(payload, path)];
  if (payload.Type === 'Notification' && typeof payload.Message === 'string') {
    return decodePayload(parseJson(payload.Message, `${path}.Message`), `${path}.Message`);
  }
  if (Array.isArray(payload.Records)) {
    return payload.Records.map((record, index) => s3NotificationRecord(record, `${path}.Records[${index}]`));
  }
  throw new EventShapeError(path, 'not an S3 event notification, EventBridge S3 event, SNS notification or s3:TestEvent');
}

function parseJson(body: string, path: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    throw new EventShapeError(path, `not JSON: ${(error as Error).message}`);
  }
}

function isSqsEvent(event: Json): event is Json & { Records: unknown[] } {
  if (!Array.isArray(event.Records) || event.Records.length === 0) return false;
  const first: unknown = event.Records[0];
  return isObject(first) && first.eventSource === 'aws:sqs';
}

/** Decodes any accepted invocation payload. Bad SQS message bodies are reported per message; other shapes throw. */
export function decodeEvent(event: unknown): DecodedEvent {
  if (isObject(event) && isSqsEvent(event)) {
    const messages = event.Records.map((record, index): SqsMessageItems => {
      const path = `Records[${index}]`;
      if (!isObject(record)) throw new EventShapeError(path, 'expected an SQS record');
      const messageId = text(record, 'messageId', path);
      try {
        const body = text(record, 'body', path);
        return { messageId, items: decodePayload(parseJson(body, `${path}.body`), `${path}.body`) };
      } catch (error) {
        if (error instanceof EventShapeError) return { messageId, error };
        throw error;
      }
    });
    return { kind: 'sqs', messages };
  }
  return { kind: 'direct', items: decodePayload(event) };
}
