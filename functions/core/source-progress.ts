/**
 * Where a source scan stands: which stream (zip member) it is in, whether a position lies before the resume point of an
 * interrupted run, and the process events the prefilter ruled out ahead of the scan loop. Readers triage a whole chunk
 * before they yield its items, so those events count only once the loop has passed them: an interruption then never
 * counts an event twice across the interrupted and the resumed run.
 */
import type { Location } from './read/raw-event.ts';

/** A position to resume a source from after an interruption. */
export interface ResumePoint {
  entry?: string;
  /** Streams (zip members) fully done before the one resumed. */
  streamsDone: number;
  offset: number;
}

/** Position and ahead-of-loop accounting of one source scan. */
export class SourceProgress {
  readonly #resume: ResumePoint | undefined;
  #stream = -1;
  #ahead: number[] = [];
  #processSkipped = 0;

  constructor(resume?: ResumePoint) {
    this.#resume = resume;
  }

  /** True for positions an interrupted run already processed. */
  beforeResume(offset: number): boolean {
    const resume = this.#resume;
    return resume !== undefined && (this.#stream < resume.streamsDone || (this.#stream === resume.streamsDone && offset < resume.offset));
  }

  /** A new stream begins: the previous one was read to its end, so everything triaged in it was passed. */
  streamStarted(): void {
    this.#processSkipped += this.#ahead.length;
    this.#ahead = [];
    this.#stream += 1;
  }

  /** The prefilter ruled out a process event at `offset` (not counted if an interrupted run already did). */
  processSkipped(offset: number): void {
    if (!this.beforeResume(offset)) this.#ahead.push(offset);
  }

  /** The loop reached `offset`: ruled-out process events before it now count. */
  passed(offset: number): void {
    if (this.#ahead.length === 0) return;
    const still = this.#ahead.filter((at) => at >= offset);
    this.#processSkipped += this.#ahead.length - still.length;
    this.#ahead = still;
  }

  /** The loop stops at `location`; the resume point of the next run. */
  interruptAt(location: Location): ResumePoint {
    this.passed(location.offset);
    this.#ahead = [];
    return { streamsDone: this.#stream, offset: location.offset, ...(location.entry === undefined ? {} : { entry: location.entry }) };
  }

  /** Process events the prefilter ruled out, once the source is done (everything still ahead was passed). */
  finish(): number {
    this.#processSkipped += this.#ahead.length;
    this.#ahead = [];
    return this.#processSkipped;
  }
}
