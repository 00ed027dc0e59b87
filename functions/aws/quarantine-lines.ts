/**
 * Bad records of one object → quarantine JSON lines (`quarantine/<source-id>.jsonl`), each with its location so the
 * record can be found in the original object. Capped per object: past the cap lines are counted, not kept.
 */
import type { LocatedProblem } from '../core/scan.ts';

/** What the ledger says about an object's quarantine. */
export interface QuarantineSummary {
  key: string;
  lines: number;
  /** Problems past the cap, counted but not written. */
  dropped: number;
}

/** Serializable content, kept in checkpoints so a resumed scan keeps what the first part found. */
export interface QuarantineState {
  lines: string[];
  dropped: number;
}

/** Collects quarantine lines up to a cap. */
export class QuarantineLines {
  readonly #max: number;
  readonly #lines: string[];
  #dropped: number;

  constructor(max: number, state?: QuarantineState) {
    this.#max = max;
    this.#lines = state ? [...state.lines] : [];
    this.#dropped = state?.dropped ?? 0;
  }

  /** Records one problem (or counts it when the cap is reached). */
  add(problem: LocatedProblem): void {
    if (this.#lines.length >= this.#max) {
      this.#dropped += 1;
      return;
    }
    const line: Record<string, unknown> = {
      source: problem.source,
      reason: problem.reason,
      message: problem.message,
      location: problem.location,
    };
    if (problem.excerpt !== undefined) line.excerpt = problem.excerpt;
    this.#lines.push(JSON.stringify(line));
  }

  /** Lines kept. */
  get size(): number {
    return this.#lines.length;
  }

  /** Problems counted past the cap. */
  get dropped(): number {
    return this.#dropped;
  }

  /** The object body: JSON lines, each ending in `\n`. */
  body(): string {
    return this.#lines.map((line) => `${line}\n`).join('');
  }

  /** For checkpoints. */
  toState(): QuarantineState {
    return { lines: [...this.#lines], dropped: this.#dropped };
  }
}
