/** CDK context → PipelineSettings: defaults, command-line strings, and every rejection naming its key. */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, readConfig } from '../../functions/aws/config.ts';
import { parseJsonTimeZone } from '../../functions/core/read/json-time-zone.ts';
import { DEFAULT_SETTINGS, isJsonTimeZone, SettingsError, type PipelineSettings } from '../../infra/pipeline-settings.ts';
import { settingsFromContext } from '../../infra/settings-from-context.ts';

function settings(context: Record<string, unknown>): PipelineSettings {
  return settingsFromContext(new App({ context }).node);
}

function rejection(context: Record<string, unknown>): SettingsError {
  try {
    settings(context);
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(context)}`);
}

describe('settingsFromContext', () => {
  it('an empty context gives the documented defaults', () => {
    expect(settings({})).toEqual({ ...DEFAULT_SETTINGS });
    expect(DEFAULT_SETTINGS).toMatchObject({
      encryption: 's3-managed', uploadFunctionMemoryMb: 1769, uploadFunctionTimeoutSeconds: 900,
      queueBatchSize: 10, archiveSchedule: 'cron(15 1 * * ? *)', archiveWindow: 'yesterday', logRetentionDays: 90,
    });
  });

  it('the tunables passed to the functions default to the functions\' own defaults (the core\'s, for the bomb guard)', () => {
    // infra may not import functions/aws/config.ts, so the values are repeated there; this keeps the copies equal.
    const shared = ['maxObjectBytes', 'maxDecompressionRatio', 'decompressionRatioFloorBytes', 's3ReadPartBytes', 's3ReadConcurrency', 'userFormat'] as const;
    for (const key of shared) expect(DEFAULT_SETTINGS[key], key).toBe(CONFIG_DEFAULTS[key]);
    expect(readConfig({ FINDINGS_BUCKET: 'findings', JSON_TIME_ZONE: DEFAULT_SETTINGS.jsonTimeZone }).jsonTimeZone).toEqual(CONFIG_DEFAULTS.jsonTimeZone);
  });

  it.each(['UTC', 'z', '+02:00', '-0530', '+01', '+23:59', 'Europe/Berlin', 'america/new_york', 'Etc/GMT+2',
    '', 'Mars/Olympus', '+24:00', '+02:60', '+2', 'UTC+2', 'GMT+02:00', '../etc', 'Europe/Berlin;x'])(
    'jsonTimeZone %j: synth accepts it exactly when JSON_TIME_ZONE does',
    (zone) => {
      let functionsAccept = true;
      try {
        parseJsonTimeZone(zone);
      } catch {
        functionsAccept = false;
      }
      expect(isJsonTimeZone(zone)).toBe(functionsAccept);
    },
  );

  it.each([
    // -c key=value always arrives as a string
    [{ queueBatchSize: '25' }, { queueBatchSize: 25 }],
    [{ queueBatchSize: 25 }, { queueBatchSize: 25 }],
    [{ archiveScheduleEnabled: 'false' }, { archiveScheduleEnabled: false }],
    [{ archiveScheduleEnabled: true }, { archiveScheduleEnabled: true }],
    [{ uploadSuffixes: '.xml, .xml.gz,,.evtx' }, { uploadSuffixes: ['.xml', '.xml.gz', '.evtx'] }],
    [{ uploadSuffixes: ['.jsonl'] }, { uploadSuffixes: ['.jsonl'] }],
    [{ outputPrefix: 'detections/' }, { outputPrefix: 'detections/' }],
    [{ uploadFunctionReservedConcurrency: '' }, { uploadFunctionReservedConcurrency: undefined }],
    [{ uploadFunctionReservedConcurrency: '5' }, { uploadFunctionReservedConcurrency: 5 }],
    [{ alarmEmail: 'soc@example.com' }, { alarmEmail: 'soc@example.com' }],
    [{ logsInfrequentAccessAfterDays: 0, logsGlacierInstantAfterDays: 0, logsExpireAfterDays: 0 },
      { logsInfrequentAccessAfterDays: 0, logsGlacierInstantAfterDays: 0, logsExpireAfterDays: 0 }],
    [{ logsInfrequentAccessAfterDays: 0, logsGlacierInstantAfterDays: 30, logsExpireAfterDays: 31 },
      { logsGlacierInstantAfterDays: 30, logsExpireAfterDays: 31 }],
    [{ archiveWindow: 'last-8760h' }, { archiveWindow: 'last-8760h' }],
    [{ archiveWindow: 'all' }, { archiveWindow: 'all' }],
    [{ kmsKeyArn: 'arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab' }, { encryption: 's3-managed' }],
    [{ filterS3Uri: 's3://config-bucket/path/filter.spl' }, { filterS3Uri: 's3://config-bucket/path/filter.spl' }],
    [{ s3ReadPartBytes: '16777216', s3ReadConcurrency: '8' }, { s3ReadPartBytes: 16777216, s3ReadConcurrency: 8 }],
    [{ maxDecompressionRatio: '100', decompressionRatioFloorBytes: '0', maxObjectBytes: 1024 },
      { maxDecompressionRatio: 100, decompressionRatioFloorBytes: 0, maxObjectBytes: 1024 }],
    [{ jsonTimeZone: 'Europe/Berlin' }, { jsonTimeZone: 'Europe/Berlin' }],
    [{ jsonTimeZone: ' -05:30 ' }, { jsonTimeZone: '-05:30' }],
  ])('%j is read as %j', (context, expected) => {
    expect(settings(context)).toMatchObject(expected);
  });

  it.each([
    [{ queueBatchSize: 'ten' }, 'queueBatchSize'],
    [{ s3ReadPartBytes: '1048575' }, 's3ReadPartBytes'],
    [{ s3ReadConcurrency: '0' }, 's3ReadConcurrency'],
    [{ s3ReadConcurrency: '65' }, 's3ReadConcurrency'],
    [{ maxDecompressionRatio: '0' }, 'maxDecompressionRatio'],
    [{ maxDecompressionRatio: '4000:1' }, 'maxDecompressionRatio'],
    [{ decompressionRatioFloorBytes: '64MiB' }, 'decompressionRatioFloorBytes'],
    [{ decompressionRatioFloorBytes: -1 }, 'decompressionRatioFloorBytes'],
    [{ maxObjectBytes: '0' }, 'maxObjectBytes'],
    [{ queueBatchSize: '0' }, 'queueBatchSize'],
    [{ queueBatchSize: 2.5 }, 'queueBatchSize'],
    [{ queueMaxConcurrency: '1' }, 'queueMaxConcurrency'],
    [{ uploadFunctionTimeoutSeconds: '901' }, 'uploadFunctionTimeoutSeconds'],
    [{ uploadFunctionMemoryMb: '64' }, 'uploadFunctionMemoryMb'],
    [{ archiveToleratedFailurePercentage: '101' }, 'archiveToleratedFailurePercentage'],
    [{ archiveScheduleEnabled: 'yes' }, 'archiveScheduleEnabled'],
    [{ encryption: 'aes' }, 'encryption'],
    [{ userFormat: 'upper' }, 'userFormat'],
    [{ jsonTimeZone: 'Europe/Atlantis' }, 'jsonTimeZone'],
    [{ jsonTimeZone: '+24:00' }, 'jsonTimeZone'],
    [{ jsonTimeZone: 2 }, 'jsonTimeZone'],
    [{ logLevel: 'info' }, 'logLevel'],
    [{ outputPrefix: 'detections' }, 'outputPrefix'],
    [{ archivePrefix: '/archive/' }, 'archivePrefix'],
    [{ uploadPrefix: 5 }, 'uploadPrefix'],
    [{ uploadSuffixes: [1] }, 'uploadSuffixes'],
    [{ uploadSuffixes: 'logs/.xml' }, 'uploadSuffixes'],
    [{ logRetentionDays: '45' }, 'logRetentionDays'],
    [{ logsBucketName: 'same', findingsBucketName: 'same' }, 'findingsBucketName'],
    [{ kmsKeyArn: 'alias/aws/s3' }, 'kmsKeyArn'],
    [{ logsInfrequentAccessAfterDays: '10' }, 'logsInfrequentAccessAfterDays'],
    [{ logsInfrequentAccessAfterDays: 30, logsGlacierInstantAfterDays: 40 }, 'logsGlacierInstantAfterDays'],
    [{ logsInfrequentAccessAfterDays: 30, logsGlacierInstantAfterDays: 90, logsExpireAfterDays: 90 }, 'logsExpireAfterDays'],
    [{ archiveWindow: 'last-0h' }, 'archiveWindow'],
    [{ archiveWindow: 'last-8761h' }, 'archiveWindow'],
    [{ archiveWindow: 'today' }, 'archiveWindow'],
    [{ filterS3Uri: 'https://bucket/key' }, 'filterS3Uri'],
    [{ filterS3Uri: 's3://bucket/key', filterExpressions: 'user=x' }, 'filterS3Uri'],
    [{ queueAgeAlarmSeconds: '59' }, 'queueAgeAlarmSeconds'],
  ])('%j is rejected, naming %s', (context, key) => {
    const error = rejection(context);
    expect(error.key).toBe(key);
    expect(error.message).toContain(`"${key}"`);
  });

  it('any integer in range given as a command-line string is read exactly; any outside is rejected', () => {
    fc.assert(fc.property(fc.integer({ min: -5, max: 1200 }), (n) => {
      const context = { queueMaxConcurrency: String(n) };
      if (n >= 2 && n <= 1000) expect(settings(context).queueMaxConcurrency).toBe(n);
      else expect(rejection(context).key).toBe('queueMaxConcurrency');
    }), { numRuns: 200 });
  });

  it('the settings are frozen', () => {
    expect(Object.isFrozen(settings({}))).toBe(true);
  });
});

describe('infra/README.md', () => {
  const readme = readFileSync(new URL('../../infra/README.md', import.meta.url), 'utf8');
  const keys = [...Object.keys(DEFAULT_SETTINGS), 'logsBucketName', 'findingsBucketName', 'kmsKeyArn', 'filterS3Uri',
    'uploadFunctionReservedConcurrency', 'scanFunctionReservedConcurrency', 'alarmEmail'];

  it.each(keys)('documents the context key %s', (key) => {
    expect(readme).toMatch(new RegExp('\\| `' + key + '` \\|'));
  });
});
