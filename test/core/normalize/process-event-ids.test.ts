/**
 * PROCESS_EVENT_IDS is the prefilter's licence to rule an XML event out by its EventID alone, so it must hold exactly the
 * numbers processEventKind accepts, for any provider or channel the event may carry.
 */
import { describe, expect, it } from 'vitest';
import { PROCESS_EVENT_IDS, processEventKind } from '../../../functions/core/normalize/process-event.ts';
import type { RawEvent } from '../../../functions/core/read/raw-event.ts';

const SOURCES: Array<Record<string, string>> = [
  { Provider: 'Microsoft-Windows-Sysmon', Channel: 'Microsoft-Windows-Sysmon/Operational' },
  { Provider: 'Microsoft-Windows-Security-Auditing', Channel: 'Security' },
  { Channel: 'security' },
  { Provider: 'microsoft-windows-sysmon' },
];

function event(eventId: string, source: Record<string, string>): RawEvent {
  return { location: { offset: 0 }, system: { EventID: eventId, ...source }, data: {} };
}

describe('PROCESS_EVENT_IDS', () => {
  it('holds every EventID processEventKind accepts, and only those (0–65535, every provider and channel)', () => {
    const accepted = new Set<number>();
    for (let id = 0; id <= 0xffff; id += 1) {
      if (SOURCES.some((source) => processEventKind(event(String(id), source)) !== undefined)) accepted.add(id);
    }
    expect([...accepted].sort((a, b) => a - b)).toEqual([...PROCESS_EVENT_IDS].sort((a, b) => a - b));
  });
});
