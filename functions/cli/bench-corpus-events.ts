/**
 * The benchmark corpus's event sequence: deterministic per seed and independent of the output format, so XML, JSON lines
 * and EVTX written with one seed carry the same events in the same order. Each event is background (the mix of
 * bench-corpus-background.ts), a true positive, or a decoy, at set rates. A planted launch repeats 1–3 times (same host,
 * user, parent, command line and PID, later in the log), so some expected rows have a count above 1.
 */
import { BACKGROUND_MIX, backgroundEvent } from './bench-corpus-background.ts';
import { decoyEvent, launchEvent, plantLaunch, type PlantedLaunch } from './bench-corpus-planted.ts';
import { SeededRandom } from './bench-corpus-random.ts';
import { DECOY_KINDS, type CorpusEvent } from './bench-corpus-shapes.ts';
import { CorpusWorld } from './bench-corpus-world.ts';

/** How often the corpus plants things, per event drawn. */
export interface CorpusRates {
  /** Probability that an event starts a true-positive launch (each launch then repeats 1–3 times in all). */
  truePositiveRate: number;
  /** Probability that an event is a decoy. */
  decoyRate: number;
}

/** About 13 launches (≈22 true-positive events) and 130 decoys per 670,000 events (1 GB of XML). */
export const DEFAULT_RATES: CorpusRates = Object.freeze({ truePositiveRate: 1 / 50_000, decoyRate: 1 / 5_000 });

/** Repetitions of a launch come this many events later at most (about ten seconds of log time). */
const REPEAT_WITHIN_EVENTS = 600;

/** An endless, deterministic stream of corpus events. */
export class CorpusEventSource {
  readonly #random: SeededRandom;
  readonly #world: CorpusWorld;
  readonly #rates: CorpusRates;
  readonly #mix: ReadonlyArray<readonly [string, number]>;
  /** Launch repetitions still to come, by the event number they are due at (ascending). */
  readonly #repeats: Array<{ due: number; launch: PlantedLaunch }> = [];
  #drawn = 0;

  constructor(seed: number, rates: CorpusRates = DEFAULT_RATES) {
    for (const [name, rate] of Object.entries(rates)) {
      if (!(rate >= 0 && rate <= 1)) throw new RangeError(`corpus ${name} must be within [0, 1], got ${rate}`);
    }
    if (rates.truePositiveRate + rates.decoyRate > 1) throw new RangeError('corpus truePositiveRate + decoyRate must not exceed 1');
    this.#random = new SeededRandom(seed);
    this.#world = new CorpusWorld(this.#random);
    this.#rates = rates;
    let sum = 0;
    this.#mix = BACKGROUND_MIX.map(([kind, share]) => [kind, (sum += share)] as const);
  }

  /** The next event. */
  next(): CorpusEvent {
    const r = this.#random;
    const world = this.#world;
    this.#drawn += 1;
    const first = this.#repeats[0];
    if (first !== undefined && first.due <= this.#drawn) {
      this.#repeats.shift();
      return launchEvent(world, first.launch);
    }
    const u = r.float();
    if (u < this.#rates.truePositiveRate) {
      const launch = plantLaunch(world);
      const times = r.chance(0.55) ? 1 : r.chance(0.65) ? 2 : 3;
      for (let i = 1; i < times; i += 1) this.#scheduleRepeat(this.#drawn + 1 + r.int(REPEAT_WITHIN_EVENTS), launch);
      return launchEvent(world, launch);
    }
    if (u < this.#rates.truePositiveRate + this.#rates.decoyRate) {
      const kind = r.pick(DECOY_KINDS);
      // appcmd runs on the IIS servers; a runbook named after it can sit on any machine.
      const host = kind === 'appcmd-in-file-name' ? r.pick(world.hosts) : r.pick(world.iisHosts);
      return decoyEvent(world, host, kind);
    }
    const v = r.float();
    const kind = (this.#mix.find(([, upTo]) => v < upTo) ?? this.#mix[this.#mix.length - 1])?.[0] as (typeof BACKGROUND_MIX)[number][0];
    const host = kind === 'security-4688' ? r.pick(world.auditedHosts) : r.pick(world.hosts);
    return backgroundEvent(world, host, kind);
  }

  #scheduleRepeat(due: number, launch: PlantedLaunch): void {
    let at = this.#repeats.length;
    while (at > 0 && (this.#repeats[at - 1] as { due: number }).due > due) at -= 1;
    this.#repeats.splice(at, 0, { due, launch });
  }
}
