/**
 * Lambda: the first step of the scheduled archive scan. Input: the EventBridge Scheduler payload
 * `{ trigger, scheduledTime, scheduleExecutionId }` (optional overrides `window`, `prefix`, `day`); output: the plan
 * `{ bucket, prefix, window, detections, reference }` the Distributed Map lists and every batch receives.
 * See functions/aws/archive-plan.ts.
 */
import type { Context } from 'aws-lambda';
import { parsePlanRequest, planArchiveScan, type ArchivePlan } from '../aws/archive-plan.ts';
import { createRuntime, lazyRuntime, type FunctionRuntime } from '../aws/function-runtime.ts';

/** The handler over a given runtime (tests bring theirs). */
export function createPlanArchiveScanHandler(
  getRuntime: () => Promise<FunctionRuntime>,
): (event: unknown, context: Context) => Promise<ArchivePlan> {
  return async (event, context) => {
    const runtime = await getRuntime();
    runtime.telemetry.logger.addContext(context);
    const plan = await planArchiveScan(runtime, parsePlanRequest(event));
    runtime.telemetry.logger.info('archive scan planned', { plan });
    return plan;
  };
}

/** The Lambda entry point: config from the environment, read once per container. */
export const handler = createPlanArchiveScanHandler(lazyRuntime(() => createRuntime(process.env)));
