import { describe, expect, it } from 'vitest';
import { fillMessage, findingId } from '../../functions/core/finding.ts';
import { WINDOWS_IIS_COMPONENTS_ADD_NEW_MODULE as DETECTION } from '../../functions/core/rules/windows-iis-components-add-new-module.ts';

const BY = ['dest', 'user', 'process_id'];

describe('fillMessage', () => {
  it.each([
    ['$user$ on $dest$', { user: 'Administrator', dest: 'web01' }, 'Administrator on web01'],
    ['count $count$', { count: 3 }, 'count 3'],
    ['unknown $nope$ stays', {}, 'unknown $nope$ stays'],
    ['$$ and $a b$ are not fields', { a: 'x' }, '$$ and $a b$ are not fields'],
  ])('%s', (template, row, expected) => {
    expect(fillMessage(template, row)).toBe(expected);
  });

  it('fills the published RBA message', () => {
    const row = { parent_process_name: 'cmd.exe', process_name: 'appcmd.exe', dest: 'web01', user: 'null' };
    expect(fillMessage(DETECTION.risk.message, row)).toBe(
      'An instance of cmd.exe spawning appcmd.exe was identified on endpoint web01 by user null attempting to install a new IIS module.',
    );
  });
});

describe('findingId', () => {
  const row = { dest: 'web01', user: 'Administrator', process_id: '4116', count: 1, firstTime: 'x' };

  it('is the same for the same row, whatever the count and times', () => {
    expect(findingId(DETECTION, BY, row)).toBe(findingId(DETECTION, BY, { ...row, count: 9, firstTime: 'y' }));
    expect(findingId(DETECTION, BY, row)).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each([
    ['another by-field value', { ...row, process_id: '4117' }, DETECTION.version],
    ['only case differs (a different Splunk row)', { ...row, user: 'administrator' }, DETECTION.version],
    ['another detection version', row, DETECTION.version + 1],
  ])('differs for %s', (_what, other, version) => {
    expect(findingId({ id: DETECTION.id, version }, BY, other)).not.toBe(findingId(DETECTION, BY, row));
  });

  it('does not confuse field boundaries', () => {
    const a = findingId(DETECTION, ['dest', 'user'], { dest: 'a|b', user: 'c' });
    const b = findingId(DETECTION, ['dest', 'user'], { dest: 'a', user: 'b|c' });
    expect(a).not.toBe(b);
  });
});
