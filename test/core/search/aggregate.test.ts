import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAggregation, formatCtime, type AggregationState } from '../../../functions/core/search/aggregate.ts';
import { compileSearch } from '../../../functions/core/search/compile-search.ts';
import { AggregationStateError, SearchOptionError } from '../../../functions/core/search/search-errors.ts';

const SEED = readFileSync(new URL('../../fixtures/search/windows_iis_components_add_new_module.spl', import.meta.url), 'utf8');
const search = compileSearch(SEED);

const ATOMIC =
  'C:\\Windows\\system32\\inetsrv\\appcmd.exe install module /name:DefaultDocumentModule_Atomic /image:C:\\Windows\\system32\\inetsrv\\defdoc.dll';
const base: Record<string, string> = {
  dest: 'win-dc-6764986.attackrange.local',
  user: 'Administrator',
  parent_process_name: 'cmd.exe',
  process_name: 'appcmd.exe',
  original_file_name: 'appcmd.exe',
  process: ATOMIC,
  process_id: '4242',
  parent_process_id: '1717',
};
const getter = (fields: Record<string, string>) => (f: string) => (Object.hasOwn(fields, f) ? fields[f] : undefined);
const without = (...names: string[]) => Object.fromEntries(Object.entries(base).filter(([k]) => !names.includes(k)));
const at = (iso: string) => Date.parse(iso);

/** UTF-8 byte order, independently of the implementation's code-unit trick. */
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

describe('rule-semantics.md §8 aggregation cases', () => {
  it('#2 vs its lower-case twin: both match, two rows (grouping is case-sensitive), upper case first', () => {
    const agg = createAggregation(search);
    const upper = { ...base, process_name: 'APPCMD.EXE', process: 'APPCMD.EXE INSTALL MODULE /NAME:X /IMAGE:C:\\X.DLL' };
    const lower = { ...base, process_name: 'appcmd.exe', process: 'appcmd.exe install module /name:x /image:c:\\x.dll' };
    for (const e of [lower, upper]) {
      expect(search.predicate(getter(e))).toBe(true);
      agg.add(getter(e), at('2024-05-27T14:03:09Z'));
    }
    const rows = agg.rows();
    expect(rows.map((r) => r.fields.process_name)).toEqual(['APPCMD.EXE', 'appcmd.exe']);
    expect(rows.map((r) => r.count)).toEqual([1, 1]);
  });

  it('#25: identical by-fields at 10:00:01.9 and 10:05:00.2 → one row, count 2, times floored to the second', () => {
    const agg = createAggregation<string>(search);
    agg.add(getter(base), at('2024-05-27T10:05:00.200Z'), 'second');
    agg.add(getter(base), at('2024-05-27T10:00:01.900Z'), 'first');
    const rows = agg.rows();
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row?.count).toBe(2);
    expect(row?.firstTime).toBe('2024-05-27T10:00:01');
    expect(row?.lastTime).toBe('2024-05-27T10:05:00');
    expect(row?.firstTimeMs).toBe(at('2024-05-27T10:00:01.900Z'));
    expect(row?.lastTimeMs).toBe(at('2024-05-27T10:05:00.200Z'));
    expect(row?.evidence).toEqual(['first', 'second']);
    expect(row?.columns).toEqual({ ...base, count: 2, firstTime: '2024-05-27T10:00:01', lastTime: '2024-05-27T10:05:00' });
    expect(Object.keys(row?.columns ?? {})).toEqual([...search.byFields, 'count', 'firstTime', 'lastTime']);
  });

  it('#26: same as #25 but another ProcessId → two rows, sorted by process_id as text', () => {
    const agg = createAggregation(search);
    agg.add(getter({ ...base, process_id: '5000' }), at('2024-05-27T10:05:00.200Z'));
    agg.add(getter({ ...base, process_id: '10000' }), at('2024-05-27T10:00:01.900Z'));
    expect(agg.rows().map((r) => [r.fields.process_id, r.count])).toEqual([
      ['10000', 1],
      ['5000', 1],
    ]);
  });

  it('#7/#24: missing parent name, OriginalFileName and user render as "null"; the literal "null" joins that group', () => {
    const agg = createAggregation(search);
    agg.add(getter(without('parent_process_name', 'original_file_name', 'user')), at('2024-05-27T10:00:00Z'));
    agg.add(getter({ ...base, parent_process_name: 'null', original_file_name: 'null', user: 'null' }), at('2024-05-27T11:00:00Z'));
    const rows = agg.rows();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.fields).toEqual({ ...base, parent_process_name: 'null', original_file_name: 'null', user: 'null' });
    expect(rows[0]?.count).toBe(2);
  });

  it('without fillnull_value a null by-field drops the event (tstats omits the row)', () => {
    const plain = compileSearch(
      '| tstats count min(_time) as firstTime max(_time) as lastTime from datamodel=Endpoint.Processes by Processes.dest Processes.user | `drop_dm_object_name(Processes)`',
    );
    const agg = createAggregation(plain);
    expect(agg.add(getter({ dest: 'h' }), 0)).toBe(false);
    expect(agg.add(getter({ dest: 'h', user: 'u' }), 0)).toBe(true);
    expect(agg.rows().map((r) => r.fields)).toEqual([{ dest: 'h', user: 'u' }]);
    expect(agg.rows()[0]?.columns).toEqual({ dest: 'h', user: 'u', count: 1, firstTime: 0, lastTime: 0 });
  });
});

describe('formatCtime', () => {
  it.each([
    [Date.UTC(2024, 4, 27, 14, 3, 9, 999), '2024-05-27T14:03:09'],
    [Date.UTC(2024, 4, 27, 14, 3, 9, 0), '2024-05-27T14:03:09'],
    [0, '1970-01-01T00:00:00'],
    [-1, '1969-12-31T23:59:59'],
    [Date.UTC(2000, 1, 29, 23, 59, 59, 500), '2000-02-29T23:59:59'],
  ])('%d → %s (floor, UTC)', (ms, text) => {
    expect(formatCtime(ms)).toBe(text);
  });
});

describe('evidence', () => {
  it('keeps the earliest 20 by time by default, ascending; ties keep the first added', () => {
    const agg = createAggregation<number>(search);
    for (let i = 30; i >= 1; i -= 1) agg.add(getter(base), i * 1000, i);
    agg.add(getter(base), 5000, 105);
    const [row] = agg.rows();
    expect(row?.count).toBe(31);
    expect(row?.evidence).toEqual([1, 2, 3, 4, 5, 105, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('honours evidenceCap, including 0', () => {
    const two = createAggregation<number>(search, { evidenceCap: 2 });
    const none = createAggregation<number>(search, { evidenceCap: 0 });
    for (const t of [3, 1, 2]) {
      two.add(getter(base), t, t);
      none.add(getter(base), t, t);
    }
    expect(two.rows()[0]?.evidence).toEqual([1, 2]);
    expect(none.rows()[0]?.evidence).toEqual([]);
    expect(() => createAggregation(search, { evidenceCap: -1 })).toThrow(SearchOptionError);
  });

  it('rejects a non-finite _time', () => {
    expect(() => createAggregation(search).add(getter(base), Number.NaN)).toThrow(RangeError);
  });
});

describe('sorting', () => {
  it('rows are sorted field by field in UTF-8 byte order', () => {
    const dests = ['b', 'B', 'a', 'aa', '\uffff', '😀', 'é', 'Z', ''];
    const agg = createAggregation(search);
    for (const dest of dests) agg.add(getter({ ...base, dest }), 0);
    expect(agg.rows().map((r) => r.fields.dest)).toEqual([...dests].sort(byteOrder));
  });
});

describe('checkpoint state', () => {
  const event = fc.record({
    dest: fc.constantFrom('h1', 'H1', 'h2'),
    user: fc.option(fc.constantFrom('u', 'null', 'ü'), { nil: undefined }),
    process_id: fc.constantFrom('1', '2'),
    time: fc.integer({ min: 0, max: 10_000_000 }),
  });
  const toGet = (e: { dest: string; user: string | undefined; process_id: string }) => (f: string) =>
    f === 'dest' ? e.dest : f === 'user' ? e.user : f === 'process_id' ? e.process_id : base[f];
  type Ev = { dest: string; user: string | undefined; process_id: string; time: number };

  /** Reference: group with a Map keyed by the rendered tuple, sort with Buffer.compare field by field. */
  function reference(events: readonly Ev[]) {
    const groups = new Map<string, { key: string[]; count: number; min: number; max: number }>();
    for (const e of events) {
      const key = search.bySourceFields.map((f) => toGet(e)(f) ?? 'null');
      const id = key.join('\u0000');
      const g = groups.get(id) ?? { key, count: 0, min: Infinity, max: -Infinity };
      g.count += 1;
      g.min = Math.min(g.min, e.time);
      g.max = Math.max(g.max, e.time);
      groups.set(id, g);
    }
    return [...groups.values()]
      .sort((a, b) => {
        for (let i = 0; i < a.key.length; i += 1) {
          const o = byteOrder(a.key[i] as string, b.key[i] as string);
          if (o !== 0) return o;
        }
        return 0;
      })
      .map((g) => ({ key: g.key, count: g.count, firstTimeMs: g.min, lastTimeMs: g.max }));
  }
  const summary = (agg: ReturnType<typeof createAggregation<number>>) =>
    agg.rows().map((r) => ({ key: search.byFields.map((f) => r.fields[f]), count: r.count, firstTimeMs: r.firstTimeMs, lastTimeMs: r.lastTimeMs }));

  it('matches a reference grouping; resume-from-JSON and merge give the same rows and evidence as one pass', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), fc.nat(), (events, cutSeed) => {
        const cut = events.length === 0 ? 0 : cutSeed % (events.length + 1);
        const whole = createAggregation<number>(search, { evidenceCap: 3 });
        events.forEach((e, i) => whole.add(toGet(e), e.time, i));
        expect(summary(whole)).toEqual(reference(events));

        const first = createAggregation<number>(search, { evidenceCap: 3 });
        events.slice(0, cut).forEach((e, i) => first.add(toGet(e), e.time, i));
        const state = JSON.parse(JSON.stringify(first.toState())) as AggregationState<number>;
        const resumed = createAggregation<number>(search, { evidenceCap: 3, state });
        events.slice(cut).forEach((e, i) => resumed.add(toGet(e), e.time, cut + i));
        expect(resumed.rows()).toEqual(whole.rows());

        const second = createAggregation<number>(search, { evidenceCap: 3 });
        events.slice(cut).forEach((e, i) => second.add(toGet(e), e.time, cut + i));
        const merged = createAggregation<number>(search, { evidenceCap: 3, state: first.toState() });
        merged.merge(second.toState());
        expect(merged.rows()).toEqual(whole.rows());
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a state from another search, other by-fields or a damaged one, naming the member', () => {
    const agg = createAggregation(search);
    agg.add(getter(base), 1000, 'x');
    const good = agg.toState();
    const other = compileSearch(SEED.replace('appcmd.exe', 'other.exe'));
    const override = compileSearch(SEED, { byFieldsOverride: ['dest'] });
    const damaged = (mutate: (s: Record<string, unknown>) => void) => {
      const copy = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
      mutate(copy);
      return copy as unknown as AggregationState;
    };
    const group = (s: Record<string, unknown>) => (s.groups as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    const cases: Array<[() => unknown, string]> = [
      [() => createAggregation(other, { state: good }), 'spl'],
      [() => createAggregation(override, { state: good }), 'byFields'],
      [() => createAggregation(search, { state: damaged((s) => (s.version = 2)) }), 'format'],
      [() => createAggregation(search, { state: damaged((s) => (s.groups = {})) }), 'groups'],
      [() => createAggregation(search, { state: damaged((s) => (group(s).count = 0)) }), 'groups[0].count'],
      [() => createAggregation(search, { state: damaged((s) => (group(s).key = ['a'])) }), 'groups[0].key'],
      [() => createAggregation(search, { state: damaged((s) => (group(s).lastTimeMs = 'x')) }), 'groups[0].lastTimeMs'],
      [() => createAggregation(search, { state: damaged((s) => (group(s).evidence = [{ item: 1 }])) }), 'groups[0].evidence'],
    ];
    for (const [run, path] of cases) {
      let error: unknown;
      try {
        run();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AggregationStateError);
      expect((error as AggregationStateError).path).toBe(path);
    }
    expect(() => createAggregation(search, { state: good })).not.toThrow();
  });
});
