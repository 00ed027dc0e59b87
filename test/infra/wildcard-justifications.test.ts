/**
 * The IAM5 finding names must equal cdk-nag's (checked against names cdk-nag 3.0.2 printed for this stack), and
 * only the wildcard shapes the pipeline needs may be justified.
 */
import { describe, expect, it } from 'vitest';
import {
  flattenReference, pipelineJustifications, wildcardFindings, type WildcardFinding,
} from '../../infra/wildcard-justifications.ts';

describe('flattenReference', () => {
  it.each([
    // Rendered by cdk-nag 3.0.2 for this stack ("Acknowledge with 'AwsSolutions::AwsSolutions-IAM5[Resource::…]'").
    [{ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['BucketsLogsF3E46FAF', 'Arn'] }, '/*']] }, '<BucketsLogsF3E46FAF.Arn>/*'],
    [{ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['FunctionsScanBatchC7CA5314', 'Arn'] }, ':*']] }, '<FunctionsScanBatchC7CA5314.Arn>:*'],
    [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'BucketsFindingsF839E384' }, '/*']] },
      'arn:<AWS::Partition>:s3:::<BucketsFindingsF839E384>/*'],
    [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':execution:',
      { 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: 'ArchiveScanStateMachineC6A64027' }] }] }, ':*']] },
      'arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"ArchiveScanStateMachineC6A64027"}]}]}:*'],
    ['*', '*'],
    [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::b/*' }, 'arn:<AWS::Partition>:s3:::b/*'],
  ])('%j → %s', (reference, flat) => {
    expect(flattenReference(reference)).toBe(flat);
  });
});

describe('wildcardFindings', () => {
  it('reports wildcard actions and resources of Allow statements only', () => {
    const findings = wildcardFindings({
      Statement: [
        { Effect: 'Allow', Action: ['s3:GetObject*', 's3:ListBucket'], Resource: [{ 'Fn::GetAtt': ['B', 'Arn'] }, 'arn:aws:s3:::b/*'] },
        { Effect: 'Deny', Action: 's3:*', Resource: '*' },
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:1:q' },
      ],
    });
    expect(findings).toEqual([
      { kind: 'Action', value: 's3:GetObject*', actions: ['s3:GetObject*', 's3:ListBucket'] },
      { kind: 'Resource', value: 'arn:aws:s3:::b/*', actions: ['s3:GetObject*', 's3:ListBucket'] },
    ]);
  });
});

describe('pipelineJustifications', () => {
  const justifications = pipelineJustifications({ outputPrefix: 'out/', logsReadPrefixes: ['incoming/', 'archive/'] });
  const justified = (finding: WildcardFinding): boolean => justifications.some((j) => j.matches(finding));
  const resource = (value: string, actions: string[]): WildcardFinding => ({ kind: 'Resource', value, actions });

  it.each([
    [resource('<BucketsFindingsF839E384.Arn>/out/findings/*', ['s3:PutObject'])],
    [resource('<BucketsFindingsF839E384.Arn>/out/checkpoints/*', ['s3:DeleteObject'])],
    [resource('arn:<AWS::Partition>:s3:::corp-findings/out/ledger/*', ['s3:GetObject'])],
    [resource('<BucketsFindingsF839E384.Arn>/out/map-results/*', ['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'])],
    [resource('<BucketsLogsF3E46FAF.Arn>/incoming/*', ['s3:GetObject', 's3:GetObjectVersion'])],
    [resource('arn:<AWS::Partition>:s3:::corp-logs/archive/*', ['s3:GetObject'])],
    [resource('<FunctionsScanBatchC7CA5314.Arn>:*', ['lambda:InvokeFunction'])],
    [resource('arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:x/ArchiveScan:*', ['states:RedriveExecution'])],
    // What `cdk synth` prints when the CLI has resolved the region (no credentials: us-east-1).
    [resource('arn:<AWS::Partition>:states:us-east-1:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"ArchiveScanStateMachineC6A64027"}]}]}:*',
      ['states:DescribeExecution', 'states:StopExecution'])],
    [resource('arn:<AWS::Partition>:states:eu-west-1:123456789012:execution:x:*', ['states:DescribeExecution'])],
    [resource('*', ['logs:CreateLogDelivery', 'logs:GetLogDelivery'])],
  ])('justifies %j', (finding) => {
    expect(justified(finding)).toBe(true);
  });

  it.each([
    // The whole findings bucket, another output prefix, a folder not in OUTPUT_FOLDERS.
    [resource('<BucketsFindingsF839E384.Arn>/*', ['s3:PutObject'])],
    [resource('<BucketsFindingsF839E384.Arn>/findings/*', ['s3:PutObject'])],
    [resource('<BucketsFindingsF839E384.Arn>/out/other/*', ['s3:PutObject'])],
    // An output folder, but a broader action.
    [resource('<BucketsFindingsF839E384.Arn>/out/findings/*', ['s3:PutObject', 's3:PutObjectAcl'])],
    // Writing to the logs bucket, or reading outside the configured prefixes.
    [resource('<BucketsLogsF3E46FAF.Arn>/incoming/*', ['s3:PutObject'])],
    [resource('<BucketsLogsF3E46FAF.Arn>/*', ['s3:GetObject'])],
    // Resource "*" for anything but the log-delivery actions.
    [resource('*', ['s3:ListBucket'])],
    [resource('*', ['logs:CreateLogDelivery', 'kms:Decrypt'])],
    [{ kind: 'Action', value: 's3:*', actions: ['s3:*'] } as WildcardFinding],
    [resource('<FunctionsScanBatchC7CA5314.Arn>:*', ['lambda:InvokeFunction', 'lambda:UpdateFunctionCode'])],
    [resource('arn:<AWS::Partition>:states:eu-west-1:123456789012:execution:x:*', ['states:StartExecution'])],
  ])('does not justify %j', (finding) => {
    expect(justified(finding)).toBe(false);
  });
});
