/**
 * What the event walk does with a template's BinXML, worked out once per template definition and section instead of
 * once per record: which elements give which RawEvent field, where substitutions may splice in nested BinXML, and
 * how many nodes each visited content list charges to the record's budget. Template definitions are cached per
 * chunk, so a chunk's records share these plans; only substitution values differ between them.
 */
import type { RawSystem } from '../raw-event.ts';
import type { BinXmlContent, BinXmlElement, TemplateDefinition, TemplateInstance } from './binxml-tree.ts';

/** Where in the event an element sits: it decides which elements matter (numbers, to index the plan cache). */
export const SECTION = { root: 0, event: 1, system: 2, eventData: 3 } as const;
/** One of SECTION's values. */
export type Section = (typeof SECTION)[keyof typeof SECTION];

/** One step of a plan, run in order against a record's substitution values. */
export type PlanStep =
  /** Charge content nodes to the record's budget (what the walk visits, counted where the walk visits it). */
  | { kind: 'nodes'; count: number }
  /** A System child whose text is the field value. */
  | { kind: 'text-field'; field: keyof RawSystem; content: BinXmlContent[] }
  /** A System child whose attribute is the field value; `literal` when the template spells the value out. */
  | { kind: 'attribute-field'; field: keyof RawSystem; value: BinXmlContent[]; literal: string | undefined }
  /**
   * An EventData `<Data>` with a Name attribute (`name` when literal, as in `<Data Name='Image'>`); `first` when no
   * earlier step of the plan has the same literal name.
   */
  | { kind: 'data'; name: string | undefined; nameValue: BinXmlContent[]; content: BinXmlContent[]; first: boolean }
  /** A template instance inside the content: its own plan, with its own values. */
  | { kind: 'template'; instance: TemplateInstance; section: Section }
  /** A substitution: when its value is BinXML, that fragment is walked here. */
  | { kind: 'substitution'; index: number; section: Section };

/** System children whose text is the field value (Maps: an element named `constructor` must find nothing). */
const TEXT_FIELDS: ReadonlyMap<string, keyof RawSystem> = new Map<string, keyof RawSystem>([
  ['EventID', 'EventID'],
  ['Version', 'Version'],
  ['Channel', 'Channel'],
  ['Computer', 'Computer'],
  ['EventRecordID', 'EventRecordID'],
]);
/** System children whose attribute is the field value: element → [attribute, field]. */
const ATTRIBUTE_FIELDS: ReadonlyMap<string, readonly [string, keyof RawSystem]> = new Map<string, readonly [string, keyof RawSystem]>([
  ['Provider', ['Name', 'Provider']],
  ['TimeCreated', ['SystemTime', 'TimeCreated']],
  ['Security', ['UserID', 'UserID']],
]);

/** A template's steps in one section, and the EventData object its Data steps fill when nothing else can add to it. */
export interface Plan {
  steps: PlanStep[];
  /**
   * Set when every Data step has a literal name and no step can splice in more content: run on an empty EventData,
   * such a plan always yields these keys in this order, so the walk copies the shape (keys in order, values '')
   * and fills it. Objects built key by key were the walk's largest cost (one hidden-class transition per key).
   */
  dataShape: DataShape | undefined;
}

/** EventData keys in order (values ''), and the function that copies them into a new event's object. */
export interface DataShape {
  keys: Record<string, string>;
  copy: (keys: Record<string, string>) => Record<string, string>;
}

/**
 * Eight copies of one spread. V8 keeps type feedback per function literal: a single spread copying every shape of a
 * log goes megamorphic (about 300 ns a copy in a micro-benchmark, 40 ns when it sees one shape), so shapes are dealt
 * out over these in turn (measured on the bench corpus: records/s +6%).
 */
const COPIERS: readonly DataShape['copy'][] = [
  (keys) => ({ ...keys }),
  (keys) => ({ ...keys }),
  (keys) => ({ ...keys }),
  (keys) => ({ ...keys }),
  (keys) => ({ ...keys }),
  (keys) => ({ ...keys }),
  (keys) => ({ ...keys }),
  (keys) => ({ ...keys }),
];
let shapesMade = 0;

/** The plan of a template definition in a section, compiled on first use. */
export function templatePlan(template: TemplateDefinition, section: Section): Plan {
  let plan = template.plans[section];
  if (plan === undefined) {
    const steps = compileContent(template.content, section, []);
    plan = { steps, dataShape: dataShape(steps) };
    template.plans[section] = plan;
  }
  return plan;
}

/** The Data keys a closed plan yields, as an object with '' values; undefined when the plan is not closed or has no Data. */
function dataShape(steps: PlanStep[]): DataShape | undefined {
  const names: string[] = [];
  for (const step of steps) {
    if (step.kind === 'template' || step.kind === 'substitution') return undefined;
    if (step.kind !== 'data') continue;
    if (step.name === undefined) return undefined;
    if (step.first) names.push(step.name);
  }
  if (names.length === 0) return undefined;
  // Every chunk defines its templates anew: share the shape of equal key lists across chunks. The lookup key is short
  // (count, first and last name) and the full list is compared, cheaper than hashing the whole list for every chunk.
  const key = `${names.length}\u0000${names[0]}\u0000${names[names.length - 1]}`;
  let bucket = SHAPES.get(key);
  for (const cached of bucket ?? []) if (sameNames(cached.names, names)) return cached.shape;
  // JSON.parse builds a fast-properties object and defines `__proto__` as an own key, as the walk does.
  const keys = JSON.parse(`{${names.map((name) => `${JSON.stringify(name)}:""`).join(',')}}`) as Record<string, string>;
  const shape: DataShape = { keys, copy: COPIERS[shapesMade++ % COPIERS.length] as DataShape['copy'] };
  const chars = names.reduce((sum, name) => sum + name.length + 1, key.length);
  if (shapeChars + chars <= MAX_SHAPE_CHARS && (bucket?.length ?? 0) < MAX_BUCKET) {
    if (bucket === undefined) SHAPES.set(key, (bucket = []));
    bucket.push({ names, shape });
    shapeChars += chars;
  }
  return shape;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Data shapes shared by every reader, by count, first and last key. Bounded in characters and per bucket, since
 * hostile files can make any number of shapes and any number that share a bucket.
 */
const SHAPES = new Map<string, { names: string[]; shape: DataShape }[]>();
/** Real logs need a few dozen shapes of a few hundred characters each. */
const MAX_SHAPE_CHARS = 1_000_000;
const MAX_BUCKET = 8;
let shapeChars = 0;

/** Appends the steps of walking `content` in `section` to `steps`. */
export function compileContent(content: BinXmlContent[], section: Section, steps: PlanStep[]): PlanStep[] {
  charge(steps, content.length);
  for (const item of content) {
    switch (item.kind) {
      case 'text':
        break;
      case 'template':
        steps.push({ kind: 'template', instance: item.instance, section });
        break;
      case 'substitution':
        steps.push({ kind: 'substitution', index: item.index, section });
        break;
      case 'element':
        compileElement(item.element, section, steps);
        break;
      default: {
        const unreachable: never = item;
        return unreachable;
      }
    }
  }
  return steps;
}

function compileElement(element: BinXmlElement, section: Section, steps: PlanStep[]): void {
  const name = element.name;
  switch (section) {
    case SECTION.root:
      if (name === 'Event') compileContent(element.content, SECTION.event, steps);
      return;
    case SECTION.event:
      if (name === 'System') compileContent(element.content, SECTION.system, steps);
      else if (name === 'EventData') compileContent(element.content, SECTION.eventData, steps);
      return;
    case SECTION.system: {
      const textField = TEXT_FIELDS.get(name);
      if (textField !== undefined) {
        steps.push({ kind: 'text-field', field: textField, content: element.content });
        return;
      }
      const attributeField = ATTRIBUTE_FIELDS.get(name);
      const value = attributeField === undefined ? undefined : attribute(element, attributeField[0]);
      if (attributeField !== undefined && value !== undefined) {
        steps.push({ kind: 'attribute-field', field: attributeField[1], value, literal: literalText(value) });
      }
      return;
    }
    case SECTION.eventData: {
      // A Data element without a Name is skipped, as in the XML reader.
      const nameValue = name === 'Data' ? attribute(element, 'Name') : undefined;
      if (nameValue === undefined) return;
      const literal = literalText(nameValue);
      const first = literal !== undefined && !steps.some((step) => step.kind === 'data' && step.name === literal);
      steps.push({ kind: 'data', name: literal, nameValue, content: element.content, first });
      return;
    }
    default: {
      const unreachable: never = section;
      return unreachable;
    }
  }
}

/** The value of the first attribute called `name`. */
function attribute(element: BinXmlElement, name: string): BinXmlContent[] | undefined {
  for (const candidate of element.attributes) if (candidate.name === name) return candidate.value;
  return undefined;
}

/** The text of a value that is one literal piece (no rendering needed). */
function literalText(value: BinXmlContent[]): string | undefined {
  const only = value.length === 1 ? value[0] : undefined;
  return only?.kind === 'text' ? only.text : undefined;
}

/** Adds a node charge; consecutive charges merge (nothing between them can fail, so the budget trips at the same step). */
function charge(steps: PlanStep[], count: number): void {
  const last = steps[steps.length - 1];
  if (last?.kind === 'nodes') last.count += count;
  else steps.push({ kind: 'nodes', count });
}
