/** A Lambda context for direct handler calls: a fixed request id and a chosen remaining time. */
import type { Context } from 'aws-lambda';

/** The context; `remainingMs` is measured from creation (default 15 minutes, Lambda's maximum). */
export function lambdaContext(options: { requestId?: string; remainingMs?: number } = {}): Context {
  const deadline = Date.now() + (options.remainingMs ?? 15 * 60 * 1000);
  const context: Partial<Context> = {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test-function',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:test-function',
    memoryLimitInMB: '1769',
    awsRequestId: options.requestId ?? 'test-request-0001',
    logGroupName: '/aws/lambda/test-function',
    logStreamName: '2026/11/27/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  return context as Context;
}
