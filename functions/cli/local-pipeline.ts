/**
 * `npm start`: the whole pipeline on a laptop. An embedded S3-compatible server on 127.0.0.1 holds the logs and findings
 * buckets; every object-created event is handed, as the S3 notification real S3 would send, to the same on-log-uploaded
 * handler the Lambda runs (events for the findings bucket included: the handler's recursion guard refuses them). The
 * bundled sample logs are uploaded at start; findings and ledger entries are printed as they land; more uploads from
 * any S3 client are scanned until Ctrl-C. `--once` exits after the samples are processed.
 *
 * Env: S3_PORT (4569), LOGS_BUCKET (sysmon-logs), FINDINGS_BUCKET (sysmon-findings); every Lambda setting
 * (FILTER_EXPRESSIONS, USER_FORMAT, OUTPUT_PREFIX, …) applies too.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PutObjectCommand, S3Client, GetObjectCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { OUTPUT_FOLDERS } from '../aws/env-names.ts';
import { createRuntime, type FunctionRuntime } from '../aws/function-runtime.ts';
import type { LedgerEntry } from '../aws/ledger-entry.ts';
import { encodeS3Key } from '../aws/object-events.ts';
import { s3ClientConfig } from '../aws/s3-client.ts';
import type { DirectResponse } from '../aws/upload-deliveries.ts';
import { createOnLogUploadedHandler } from '../handlers/on-log-uploaded.ts';
import { banner, findingLine, ledgerLine } from './local-pipeline-output.ts';
import { LOCAL_CREDENTIALS, startLocalS3, type LocalS3Record } from './local-s3-server.ts';
import { SerialQueue } from './local-serial-queue.ts';

const HELP = `Usage: npm start [-- --once] [--port N] [--data-dir DIR] [--fresh] [--no-samples] [--verbose]

Runs the detection pipeline locally on an embedded S3-compatible server (127.0.0.1).
  --once        exit after the bundled samples are processed
  --port N      S3 port (default: $S3_PORT or 4569; 0 = any free port)
  --data-dir D  where the server keeps objects (default: .local-s3)
  --fresh       empty the data directory first
  --no-samples  do not upload the bundled samples
  --verbose     also print the events the recursion guard ignores for our own outputs
Env: LOGS_BUCKET (sysmon-logs), FINDINGS_BUCKET (sysmon-findings), S3_PORT, and every Lambda setting (see README).`;

const REGION = 'us-east-1';
const REDELIVERIES = 3;
/** The samples directory, from dist/cli/ (bundle) or functions/cli/ (tsx). */
const SAMPLES = fileURLToPath(new URL('../../test/fixtures/samples/', import.meta.url));

interface Options {
  once: boolean;
  port: number;
  dataDir: string;
  fresh: boolean;
  samples: boolean;
  verbose: boolean;
}

function options(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      once: { type: 'boolean', default: false },
      port: { type: 'string' },
      'data-dir': { type: 'string', default: '.local-s3' },
      fresh: { type: 'boolean', default: false },
      'no-samples': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  const portText = values.port ?? process.env.S3_PORT ?? '4569';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port/S3_PORT: ${portText} is not a port number`);
  return { once: values.once, port, dataDir: path.resolve(values['data-dir']), fresh: values.fresh, samples: !values['no-samples'], verbose: values.verbose };
}

async function sampleFiles(dir: string, prefix = ''): Promise<Array<{ file: string; key: string }>> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: Array<{ file: string; key: string }> = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await sampleFiles(full, `${prefix}${entry.name}/`)));
    else if (entry.name !== 'SOURCES.md') files.push({ file: full, key: `samples/${prefix}${entry.name}` });
  }
  return files;
}

function localContext(sequence: number): Context {
  const deadline = Date.now() + 15 * 60 * 1000;
  const context: Partial<Context> = {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'on-log-uploaded-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:000000000000:function:on-log-uploaded-local`,
    memoryLimitInMB: '1769',
    awsRequestId: `local-${String(sequence).padStart(6, '0')}`,
    logGroupName: '/local/on-log-uploaded',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  return context as Context;
}

/** Where output goes and what stops a serving pipeline (the CLI: stdout, and SIGINT/SIGTERM). */
export interface LocalPipelineIo {
  write: (line: string) => void;
  stop: AbortSignal;
}

/** Runs the pipeline; resolves with the exit code when it stops (after --once, or when `stop` fires). */
export async function runLocalPipeline(argv: string[], io: LocalPipelineIo): Promise<number> {
  const { write } = io;
  const opts = options(argv);
  if (opts === undefined) {
    write(HELP);
    return 0;
  }
  const logsBucket = process.env.LOGS_BUCKET?.trim() || 'sysmon-logs';
  const findingsBucket = process.env.FINDINGS_BUCKET?.trim() || 'sysmon-findings';
  // Lambda logs/metrics would drown the readable lines; errors still show. Explicit settings win.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  // The SDK's notice that releases from 2027 need Node 22 is not actionable for a local run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (opts.fresh) await rm(opts.dataDir, { recursive: true, force: true });

  const server = await startLocalS3({ port: opts.port, directory: opts.dataDir, buckets: [logsBucket, findingsBucket] });
  const s3 = new S3Client({ ...s3ClientConfig({ s3Endpoint: server.endpoint }, REGION), credentials: { ...LOCAL_CREDENTIALS } });
  let runtime: FunctionRuntime;
  try {
    runtime = await createRuntime({ ...process.env, LOGS_BUCKET: logsBucket, FINDINGS_BUCKET: findingsBucket, S3_ENDPOINT: server.endpoint }, { s3 });
  } catch (error) {
    await server.close();
    throw error;
  }
  const handler = createOnLogUploadedHandler(async () => runtime);
  const outputPrefix = runtime.config.outputPrefix;
  write(banner({ endpoint: server.endpoint, logsBucket, findingsBucket, outputPrefix, ...LOCAL_CREDENTIALS, region: REGION, dataDir: opts.dataDir }));

  const invocations = new SerialQueue();
  const printing = new SerialQueue();
  let sequence = 0;
  const isOwnOutput = (bucket: string, key: string): boolean =>
    bucket === findingsBucket && OUTPUT_FOLDERS.some((folder) => key.startsWith(`${outputPrefix}${folder}`));

  const deliver = (record: LocalS3Record, attempt: number): void => {
    const { name: bucket } = record.s3.bucket;
    const { key } = record.s3.object;
    // What real S3 would send: the key URL-encoded form-style (s3rver leaves it raw).
    const event = { Records: [{ ...record, s3: { ...record.s3, object: { ...record.s3.object, key: encodeS3Key(key) } } }] };
    invocations.push(async () => {
      sequence += 1;
      try {
        const response = (await handler(event, localContext(sequence))) as DirectResponse;
        for (const item of response.items) {
          if (item.kind !== 'object' || item.outcome.status !== 'skipped') continue;
          const { outcome } = item;
          if (outcome.reason === 'output-location' && isOwnOutput(outcome.bucket, outcome.key) && !opts.verbose) continue;
          write(`IGNORED  s3://${outcome.bucket}/${outcome.key}: ${outcome.detail} (${outcome.reason})`);
        }
      } catch (error) {
        if (attempt >= REDELIVERIES) {
          write(`ERROR    s3://${bucket}/${key}: ${(error as Error).message} (gave up after ${attempt} attempts)`);
          return;
        }
        write(`RETRY    s3://${bucket}/${key}: ${(error as Error).message}`);
        // Like an SQS redelivery after the visibility timeout (shortened): later, and after what is already queued.
        invocations.push(async () => {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          deliver(record, attempt + 1);
        });
      }
    });
  };

  const show = (bucket: string, key: string): void => {
    printing.push(async () => {
      const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const text = (await response.Body?.transformToString('utf8')) ?? '';
      if (key.startsWith(`${outputPrefix}ledger/`)) {
        write(ledgerLine(JSON.parse(text) as LedgerEntry));
      } else {
        for (const line of text.split('\n')) if (line !== '') write(findingLine(JSON.parse(line) as Record<string, unknown>, `s3://${bucket}/${key}`));
      }
    });
  };

  server.onRecord((record) => {
    if (!record.eventName.startsWith('ObjectCreated:')) return;
    const { name: bucket } = record.s3.bucket;
    const { key } = record.s3.object;
    if (bucket === findingsBucket && (key.startsWith(`${outputPrefix}findings/`) || key.startsWith(`${outputPrefix}ledger/`))) show(bucket, key);
    deliver(record, 1);
  });

  if (opts.samples) {
    const files = await sampleFiles(SAMPLES);
    write(`Uploading ${files.length} sample logs to s3://${logsBucket}/samples/ …`);
    for (const { file, key } of files) {
      await s3.send(new PutObjectCommand({ Bucket: logsBucket, Key: key, Body: await readFile(file) }));
    }
  }

  if (opts.once) {
    await invocations.idle();
    await printing.idle();
    await server.close();
    write('Samples processed; --once: stopping.');
    return 0;
  }
  write(`Watching s3://${logsBucket}/ for uploads. Ctrl-C to stop.`);
  if (!io.stop.aborted) await new Promise((resolve) => io.stop.addEventListener('abort', resolve, { once: true }));
  write('\nStopping: finishing the objects in progress …');
  await invocations.idle();
  await printing.idle();
  await server.close();
  write(`Stopped. Objects are kept in ${opts.dataDir} (--fresh empties it).`);
  return 0;
}

// Run when executed (the esbuild bundle or tsx), not when imported by a test.
const invoked = process.argv[1] === undefined ? '' : path.resolve(process.argv[1]);
if (invoked === fileURLToPath(import.meta.url) || /local-pipeline\.m?[jt]s$/.test(invoked)) {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  runLocalPipeline(process.argv.slice(2), { write: (line) => process.stdout.write(`${line}\n`), stop: controller.signal }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`sysmon-s3-detect local pipeline: ${(error as Error).message}\n`);
      process.exit(2);
    },
  );
}
