/**
 * Builds the CDK app: the one `infra/app.ts` synthesizes for `cdk synth`/`cdk deploy`, and the one the tests
 * synthesize. Feature flags are set here (not only in cdk.json) so the tests see exactly what is deployed.
 */
import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { settingsFromContext } from './settings-from-context.ts';
import { SysmonDetectStack } from './sysmon-detect-stack.ts';

/** CDK feature flags the templates depend on (all in aws-cdk-lib's recommended set). */
export const FEATURE_FLAGS = Object.freeze({
  // Server access logging through a bucket policy for logging.s3.amazonaws.com, not the legacy log-delivery ACL.
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/aws-s3:createDefaultLoggingPolicy': true,
  '@aws-cdk/aws-s3:publicAccessBlockedByDefault': true,
  // ResultWriterV2: the Distributed Map ResultWriter as Step Functions documents it today.
  '@aws-cdk/aws-stepfunctions:useDistributedMapResultWriterV2': true,
  '@aws-cdk/aws-iam:minimizePolicies': true,
  '@aws-cdk/aws-kms:reduceCrossAccountRegionPolicyScope': true,
});

/** Options of buildApp. */
export interface BuildAppOptions {
  /** Context (settings from infra/README.md), as if given with `-c key=value`. */
  readonly context?: Record<string, unknown>;
  /** Cloud assembly directory (default: CDK's, i.e. cdk.out under the CLI, a temp dir otherwise). */
  readonly outdir?: string;
  /** Run cdk-nag's AwsSolutions checks at synth (default true; a finding fails the synth). */
  readonly nag?: boolean;
}

/** The app and its single stack, not yet synthesized. */
export function buildApp(options: BuildAppOptions = {}): { app: App; stack: SysmonDetectStack } {
  const props: AppProps = {
    context: options.context ?? {},
    postCliContext: FEATURE_FLAGS,
    ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
  };
  const app = new App(props);
  const settings = settingsFromContext(app.node);
  const stack = new SysmonDetectStack(app, 'SysmonS3Detect', {
    stackName: settings.stackName,
    settings,
    // Environment-agnostic unless the CLI knows an account/region: synth needs no credentials.
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
