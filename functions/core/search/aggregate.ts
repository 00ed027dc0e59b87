/**
 * Matching events → tstats-style result rows (rule-semantics.md §3.6–3.7):
 * - one row per distinct tuple of by-field values, compared as EXACT strings (case-sensitive: `APPCMD.EXE` and `appcmd.exe`
 *   are two rows although both match);
 * - a null by-field renders as the fillnull_value ("null" via the ESCU macro), so a missing field and the literal string
 *   "null" fall into the same group — that is what fillnull does; without fillnull_value an event with a null by-field
 *   produces no row (tstats drops it);
 * - `count` = events in the group; firstTime/lastTime = min/max of `_time`, rendered `%Y-%m-%dT%H:%M:%S` in UTC, truncated
 *   (floored) to the second;
 * - rows sorted ascending by the by-fields, field by field, in code-point (UTF-8 byte) order [L: Splunk's exact collation is
 *   undocumented];
 * - up to `evidenceCap` evidence items per row, the earliest by time (ties: first added).
 *
 * The state serialises to JSON (toState) and restores (createAggregation(search, { state })) so a long scan can be checkpointed
 * and resumed in another invocation; merge() folds in the state of a parallel worker.
 */
import { compareCodePoints } from './code-point-order.ts';
import type { FieldGetter } from './field-predicate.ts';
import { AggregationStateError, SearchOptionError } from './search-errors.ts';
import type { CompiledSearch } from './compile-search.ts';

/** One output row. `fields` holds the by-fields by output name, in by-list order, null already rendered as fillnull. */
export interface ResultRow<E = unknown> {
  fields: Record<string, string>;
  /** The row as Splunk renders it (resultColumns): what findings and the filter macro see. */
  columns: ResultColumns;
  count: number;
  /** min(_time) as `YYYY-MM-DDTHH:MM:SS` (UTC, floored to the second). */
  firstTime: string;
  /** max(_time) as `YYYY-MM-DDTHH:MM:SS` (UTC, floored to the second). */
  lastTime: string;
  firstTimeMs: number;
  lastTimeMs: number;
  /** The earliest contributing events' evidence, at most evidenceCap; fewer than count when capped. */
  evidence: E[];
}

/** A row as Splunk shows it: by-fields, then the aggregates under their output names (what a `| search` filter sees). */
export type ResultColumns = Record<string, string | number>;

/** Serialisable aggregation state (plain JSON as long as the evidence is). */
export interface AggregationState<E = unknown> {
  format: 'sysmon-s3-detect/aggregation';
  version: 1;
  spl: string;
  byFields: string[];
  groups: Array<{ key: string[]; count: number; firstTimeMs: number; lastTimeMs: number; evidence: Array<{ timeMs: number; item: E }> }>;
}

/** Options of createAggregation. */
export interface AggregationOptions<E> {
  /** Evidence items kept per row (default 20; 0 keeps none). */
  evidenceCap?: number;
  /** A state from toState() of an aggregation over the same search, to resume from (evidence items are trusted to be E). */
  state?: AggregationState<unknown>;
}

/** A running tstats aggregation. */
export interface Aggregation<E = unknown> {
  /** Adds one MATCHING event (`timeMs` = `_time` in epoch ms). Returns false when dropped (null by-field without fillnull). */
  add(get: FieldGetter, timeMs: number, evidence?: E): boolean;
  /** The rows so far, sorted by the by-fields. */
  rows(): ResultRow<E>[];
  /** Number of groups (rows) so far. */
  readonly size: number;
  /** The state as JSON-serialisable data. */
  toState(): AggregationState<E>;
  /** Folds in another aggregation's state over the same search (e.g. from a parallel worker). */
  merge(state: AggregationState<unknown>): void;
}

/** Default evidence cap per row. */
export const DEFAULT_EVIDENCE_CAP = 20;

/** `%Y-%m-%dT%H:%M:%S` in UTC of epoch ms, floored to the second (`convert ctime()` shows no fraction). */
export function formatCtime(timeMs: number): string {
  return new Date(Math.floor(timeMs / 1000) * 1000).toISOString().slice(0, 19);
}

interface Group<E> {
  key: string[];
  count: number;
  firstTimeMs: number;
  lastTimeMs: number;
  evidence: Array<{ timeMs: number; item: E }>;
}

/** Inserts after every item with time ≤ timeMs (stable), then trims to limit: keeps the earliest, first-added on ties. */
function keepEarliest<E>(list: Array<{ timeMs: number; item: E }>, entry: { timeMs: number; item: E }, limit: number): void {
  if (list.length >= limit && (limit === 0 || (list[list.length - 1] as { timeMs: number }).timeMs <= entry.timeMs)) return;
  let at = list.length;
  while (at > 0 && (list[at - 1] as { timeMs: number }).timeMs > entry.timeMs) at -= 1;
  list.splice(at, 0, entry);
  if (list.length > limit) list.length = limit;
}

/** Starts (or resumes from options.state) the aggregation of `search`'s matching events. */
export function createAggregation<E = unknown>(search: CompiledSearch, options: AggregationOptions<E> = {}): Aggregation<E> {
  const limit = options.evidenceCap ?? DEFAULT_EVIDENCE_CAP;
  if (!Number.isInteger(limit) || limit < 0) throw new SearchOptionError('evidenceCap', `must be a non-negative integer, got ${limit}`);
  const sources = search.bySourceFields;
  const fill = search.fillnull;
  const groups = new Map<string, Group<E>>();

  const fold = (key: string[], count: number, first: number, last: number, evidence: Array<{ timeMs: number; item: E }>): void => {
    const id = JSON.stringify(key);
    let group = groups.get(id);
    if (group === undefined) {
      group = { key, count: 0, firstTimeMs: first, lastTimeMs: last, evidence: [] };
      groups.set(id, group);
    }
    group.count += count;
    if (first < group.firstTimeMs) group.firstTimeMs = first;
    if (last > group.lastTimeMs) group.lastTimeMs = last;
    for (const entry of evidence) keepEarliest(group.evidence, entry, limit);
  };

  const absorb = (state: AggregationState<unknown>): void => {
    // Restored evidence comes from JSON: its item type is the caller's contract, not something checkable here.
    for (const g of validateState(state as AggregationState<E>, search)) fold(g.key, g.count, g.firstTimeMs, g.lastTimeMs, g.evidence);
  };

  if (options.state !== undefined) absorb(options.state);

  return {
    add(get, timeMs, evidence) {
      if (!Number.isFinite(timeMs)) throw new RangeError(`aggregation: _time must be a finite epoch-ms number, got ${timeMs}`);
      const key: string[] = [];
      for (const field of sources) {
        const value = get(field);
        if (value !== undefined) key.push(value);
        else if (fill !== undefined) key.push(fill);
        else return false;
      }
      fold(key, 1, timeMs, timeMs, evidence === undefined ? [] : [{ timeMs, item: evidence }]);
      return true;
    },
    rows() {
      const sorted = [...groups.values()].sort((a, b) => {
        for (let i = 0; i < a.key.length; i += 1) {
          const order = compareCodePoints(a.key[i] as string, b.key[i] as string);
          if (order !== 0) return order;
        }
        return 0;
      });
      return sorted.map((g) => {
        const row: ResultRow<E> = {
          fields: Object.fromEntries(search.byFields.map((name, i) => [name, g.key[i] as string])),
          columns: {},
          count: g.count,
          firstTime: formatCtime(g.firstTimeMs),
          lastTime: formatCtime(g.lastTimeMs),
          firstTimeMs: g.firstTimeMs,
          lastTimeMs: g.lastTimeMs,
          evidence: g.evidence.map((e) => e.item),
        };
        row.columns = resultColumns(search, row);
        return row;
      });
    },
    get size() {
      return groups.size;
    },
    toState() {
      return {
        format: 'sysmon-s3-detect/aggregation',
        version: 1,
        spl: search.spl,
        byFields: [...search.byFields],
        groups: [...groups.values()].map((g) => ({
          key: [...g.key],
          count: g.count,
          firstTimeMs: g.firstTimeMs,
          lastTimeMs: g.lastTimeMs,
          evidence: g.evidence.map((e) => ({ ...e })),
        })),
      };
    },
    merge: absorb,
  };
}

/** The row as Splunk renders it: by-fields, then count and the two times (ctime'd ones as text, others as epoch seconds). */
export function resultColumns(search: CompiledSearch, row: Omit<ResultRow<unknown>, 'columns'>): ResultColumns {
  const columns: ResultColumns = { ...row.fields };
  const { aggregates, ctimeFields } = search;
  for (const role of aggregates.order) {
    switch (role) {
      case 'count':
        columns[aggregates.count] = row.count;
        break;
      case 'firstTime':
        columns[aggregates.firstTime] = ctimeFields.includes(aggregates.firstTime) ? row.firstTime : row.firstTimeMs / 1000;
        break;
      case 'lastTime':
        columns[aggregates.lastTime] = ctimeFields.includes(aggregates.lastTime) ? row.lastTime : row.lastTimeMs / 1000;
        break;
    }
  }
  return columns;
}

function validateState<E>(state: AggregationState<E>, search: CompiledSearch): AggregationState<E>['groups'] {
  // The state usually comes from JSON.parse, so every member is checked rather than trusted.
  const s = state as unknown as Record<string, unknown>;
  if (s === null || typeof s !== 'object') throw new AggregationStateError('$', 'not an object');
  if (s.format !== 'sysmon-s3-detect/aggregation' || s.version !== 1) {
    throw new AggregationStateError('format', `expected sysmon-s3-detect/aggregation version 1, got ${String(s.format)} ${String(s.version)}`);
  }
  if (s.spl !== search.spl) throw new AggregationStateError('spl', 'the state was produced by a different search');
  const by = s.byFields;
  if (!Array.isArray(by) || by.length !== search.byFields.length || by.some((f, i) => f !== search.byFields[i])) {
    throw new AggregationStateError('byFields', `expected [${search.byFields.join(', ')}]`);
  }
  if (!Array.isArray(s.groups)) throw new AggregationStateError('groups', 'not an array');
  s.groups.forEach((g: unknown, i: number) => {
    const at = `groups[${i}]`;
    const group = g as Record<string, unknown>;
    if (group === null || typeof group !== 'object') throw new AggregationStateError(at, 'not an object');
    const key = group.key;
    if (!Array.isArray(key) || key.length !== by.length || key.some((k) => typeof k !== 'string')) {
      throw new AggregationStateError(`${at}.key`, `expected ${by.length} strings`);
    }
    if (!Number.isInteger(group.count) || (group.count as number) < 1) {
      throw new AggregationStateError(`${at}.count`, 'expected a positive integer');
    }
    for (const t of ['firstTimeMs', 'lastTimeMs'] as const) {
      if (!Number.isFinite(group[t])) throw new AggregationStateError(`${at}.${t}`, 'expected a finite number');
    }
    const evidence = group.evidence;
    const entryOk = (e: unknown) => e !== null && typeof e === 'object' && Number.isFinite((e as { timeMs?: unknown }).timeMs);
    if (!Array.isArray(evidence) || !evidence.every(entryOk)) {
      throw new AggregationStateError(`${at}.evidence`, 'expected an array of { timeMs, item }');
    }
  });
  return state.groups;
}
