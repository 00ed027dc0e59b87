/**
 * Decodes `Content-Encoding: aws-chunked` request bodies for the local S3 server. Recent AWS SDKs and CLIs send
 * streamed uploads with a trailing checksum in this framing; s3rver 3.7.1 would store the framing as object bytes
 * (ecosystem-notes.md §1), so the local pipeline decodes it before s3rver sees the request. Framing:
 *   `<hex size>[;chunk-signature=<sig>]\r\n<size bytes>\r\n` … `0[;…]\r\n` then optional `name:value\r\n` trailers and `\r\n`.
 * Checksums and chunk signatures are not verified: this is a local development server.
 */
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';

/** A body whose framing is not aws-chunked. */
export class AwsChunkedFormatError extends Error {
  /** Byte offset in the framed body. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`aws-chunked body at byte ${offset}: ${message}`);
    this.name = 'AwsChunkedFormatError';
    this.offset = offset;
  }
}

type State = 'size' | 'data' | 'data-end' | 'trailers' | 'done';

/** Streams the payload out of an aws-chunked body. */
export class AwsChunkedDecoder extends Transform {
  #state: State = 'size';
  #line = '';
  #remaining = 0;
  #offset = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#consume(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.#state !== 'done' && this.#state !== 'trailers') {
      callback(new AwsChunkedFormatError(`body ended inside a chunk (${this.#state})`, this.#offset));
      return;
    }
    callback();
  }

  #consume(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      switch (this.#state) {
        case 'size':
        case 'trailers': {
          const byte = chunk[i] as number;
          i += 1;
          this.#offset += 1;
          if (byte !== 0x0a) {
            this.#line += String.fromCharCode(byte);
            if (this.#line.length > 4096) throw new AwsChunkedFormatError('header line too long', this.#offset);
            continue;
          }
          const line = this.#line.replace(/\r$/, '');
          this.#line = '';
          if (this.#state === 'trailers') {
            if (line === '') this.#state = 'done';
            continue;
          }
          const size = Number.parseInt(line.split(';')[0] ?? '', 16);
          if (!Number.isSafeInteger(size) || size < 0) throw new AwsChunkedFormatError(`bad chunk size line ${JSON.stringify(line)}`, this.#offset);
          if (size === 0) {
            this.#state = 'trailers';
          } else {
            this.#remaining = size;
            this.#state = 'data';
          }
          break;
        }
        case 'data': {
          const take = Math.min(this.#remaining, chunk.length - i);
          this.push(chunk.subarray(i, i + take));
          i += take;
          this.#offset += take;
          this.#remaining -= take;
          if (this.#remaining === 0) {
            this.#state = 'data-end';
            this.#line = '';
          }
          break;
        }
        case 'data-end': {
          const byte = chunk[i] as number;
          i += 1;
          this.#offset += 1;
          if (byte === 0x0d) continue;
          if (byte !== 0x0a) throw new AwsChunkedFormatError('chunk data not followed by CRLF', this.#offset);
          this.#state = 'size';
          break;
        }
        case 'done':
          // Anything after the final CRLF is ignored, as S3 does.
          return;
      }
    }
  }
}

/** Whether a request carries an aws-chunked body. */
export function isAwsChunked(headers: IncomingMessage['headers']): boolean {
  const encoding = headers['content-encoding'];
  const sha = headers['x-amz-content-sha256'];
  return (typeof encoding === 'string' && encoding.split(',').some((e) => e.trim() === 'aws-chunked')) || (typeof sha === 'string' && sha.startsWith('STREAMING-'));
}

/**
 * A request object that reads the decoded payload and carries headers describing it (decoded Content-Length, no
 * aws-chunked encoding, UNSIGNED-PAYLOAD). The signature no longer matches: the server must allow mismatched signatures.
 */
export function decodedRequest(req: IncomingMessage): IncomingMessage {
  const decoder = new AwsChunkedDecoder();
  req.on('error', (error) => decoder.destroy(error));
  req.pipe(decoder);
  const headers: IncomingMessage['headers'] = { ...req.headers };
  const decodedLength = headers['x-amz-decoded-content-length'];
  if (typeof decodedLength === 'string') headers['content-length'] = decodedLength;
  else delete headers['content-length'];
  const encodings = (typeof headers['content-encoding'] === 'string' ? headers['content-encoding'] : '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '' && e !== 'aws-chunked');
  if (encodings.length > 0) headers['content-encoding'] = encodings.join(',');
  else delete headers['content-encoding'];
  headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  delete headers['x-amz-decoded-content-length'];
  delete headers['x-amz-trailer'];
  // Koa reads method, url, headers and socket from the request and the body as a stream: the decoder provides both.
  return Object.assign(decoder, {
    headers,
    method: req.method,
    url: req.url,
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    httpVersionMinor: req.httpVersionMinor,
    socket: req.socket,
    connection: req.socket,
    rawHeaders: req.rawHeaders,
  }) as unknown as IncomingMessage;
}
