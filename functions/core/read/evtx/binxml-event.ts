/**
 * Walks a record's BinXML tree and its substitution values and picks out what RawEvent holds: the System
 * fields and the named EventData/Data values. Only those values are rendered; the rest of the tree is skipped.
 * The walk follows each template's plan (binxml-plan.ts), compiled once per chunk. A System prefilter may rule the
 * record out as soon as its EventID, Provider and Channel are rendered, before any EventData value is.
 */
import type { RawSystem, SystemPrefilter } from '../raw-event.ts';
import type { ChunkContext } from './chunk-context.ts';
import { BINXML_VALUE_TYPE, nestedFragment, valueType, type BinXmlContent, type SubstitutionValues, type TemplateInstance } from './binxml-tree.ts';
import { compileContent, SECTION, templatePlan, type DataShape, type PlanStep, type Section } from './binxml-plan.ts';
import { renderSubstitution } from './binxml-values.ts';
import { EvtxFormatError } from './evtx-format-error.ts';

/** What a record yields: System fields and EventData values. */
export interface EventFields {
  system: RawSystem;
  data: Record<string, string>;
}

/**
 * Templates may instantiate templates and substitutions may repeat, so a hostile record of a few KiB could
 * expand exponentially ("billion laughs"). Real records expand to a few hundred nodes and at most ~32 Ki
 * characters per value; these caps are far above that and keep a hostile record to a bounded amount of work.
 */
export const MAX_EXPANDED_NODES = 100_000;
/** Cap on the characters rendered from one record (see MAX_EXPANDED_NODES). */
export const MAX_RENDERED_CHARS = 2_000_000;

/** Work left for the record being expanded. */
interface Budget {
  nodes: number;
  chars: number;
}

/** The walk's output and its remaining budget. */
interface WalkState {
  fields: EventFields;
  budget: Budget;
  /** No Data value yet: a closed plan may then fill a copy of its data shape (see Plan). */
  dataEmpty: boolean;
  /** The System prefilter, until the first Data element asks it (it is asked at most once). */
  gate: SystemPrefilter | undefined;
  /** The gate ruled the record out: every run returns at once. */
  ruledOut: boolean;
}

/**
 * Extracts the RawEvent fields from a record's parsed top-level content; undefined when `gate` ruled the record out
 * (see closeGate).
 */
export function eventFields(ctx: ChunkContext, content: BinXmlContent[], gate?: SystemPrefilter): EventFields | undefined {
  const fields: EventFields = { system: {}, data: {} };
  const state: WalkState = { fields, budget: { nodes: MAX_EXPANDED_NODES, chars: MAX_RENDERED_CHARS }, dataEmpty: true, gate, ruledOut: false };
  walkContent(ctx, content, SECTION.root, state);
  // A record without Data elements (UserData, or none) is asked at its end: nothing is left to save but yielding it.
  if (state.gate !== undefined) closeGate(state, state.gate);
  return state.ruledOut ? undefined : fields;
}

/** EventID, Provider and Channel are all rendered: final, since a repeated System field keeps its first value. */
function gateReady(system: RawSystem): boolean {
  return system.EventID !== undefined && system.Provider !== undefined && system.Channel !== undefined;
}

/**
 * Asks the gate once, as soon as EventID, Provider and Channel are rendered (the System fields after them, Computer and
 * Security in Windows' order, are then not rendered for a record it rules out), else at the first Data element or the
 * record's end: true when it rules the record out. Asked only when gateReady: the gate sees what the finished event will
 * hold. A record missing one of them (or holding Data before them) is rendered.
 */
function closeGate(state: WalkState, gate: SystemPrefilter): boolean {
  state.gate = undefined;
  if (!gateReady(state.fields.system)) return false;
  return (state.ruledOut = !gate(state.fields.system));
}

/**
 * Walks content outside any template: a record's top level or a BinXML substitution value. Both are almost always
 * one template instance, which follows its cached plan; anything else is planned here, for this walk only.
 */
function walkContent(ctx: ChunkContext, content: BinXmlContent[], section: Section, state: WalkState): void {
  const only = content.length === 1 ? content[0] : undefined;
  if (only?.kind === 'template') {
    // What the plan [charge 1 node, run the template] would do, without building it.
    if ((state.budget.nodes -= 1) < 0) throw overBudget(ctx, 'nodes');
    runTemplate(ctx, only.instance, section, state);
  } else run(ctx, compileContent(content, section, []), undefined, state, undefined);
}

/** Runs a template's plan against its instance's values. */
function runTemplate(ctx: ChunkContext, instance: TemplateInstance, section: Section, state: WalkState): void {
  const plan = templatePlan(instance.template, section);
  const shape = state.dataEmpty ? plan.dataShape : undefined;
  if (shape !== undefined) state.dataEmpty = false;
  run(ctx, plan.steps, instance.values, state, shape);
}

/**
 * Runs plan steps against one set of substitution values (undefined outside a template). `shape`: the plan's data
 * shape, copied in at its first Data step (after the gate), so each Data step with a first literal name fills its key
 * and the others add nothing.
 */
function run(ctx: ChunkContext, steps: PlanStep[], values: SubstitutionValues | undefined, state: WalkState, shape: DataShape | undefined): void {
  const { fields, budget } = state;
  let uncopied = shape;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as PlanStep;
    switch (step.kind) {
      case 'nodes':
        if ((budget.nodes -= step.count) < 0) throw overBudget(ctx, 'nodes');
        break;
      case 'template':
        runTemplate(ctx, step.instance, step.section, state);
        if (state.ruledOut) return;
        break;
      case 'substitution':
        // A substituted BinXML fragment splices its elements in here.
        if (values !== undefined && valueType(ctx, values, step.index) === BINXML_VALUE_TYPE) {
          walkContent(ctx, nestedFragment(ctx, values, step.index), step.section, state);
          if (state.ruledOut) return;
        }
        break;
      case 'text-field':
        // A repeated field keeps its first value, as the XML reader does.
        if (systemField(fields.system, step.field) === undefined) {
          setSystemField(fields.system, step.field, renderContent(ctx, step.content, values, budget));
          if (state.gate !== undefined && gateReady(fields.system) && closeGate(state, state.gate)) return;
        }
        break;
      case 'attribute-field':
        if (systemField(fields.system, step.field) === undefined) {
          const value = step.literal ?? attributeValue(ctx, step.value, values, budget);
          if (value !== undefined) {
            setSystemField(fields.system, step.field, value);
            if (state.gate !== undefined && gateReady(fields.system) && closeGate(state, state.gate)) return;
          }
        }
        break;
      case 'data': {
        if (state.gate !== undefined && closeGate(state, state.gate)) return;
        if (shape !== undefined) {
          if (uncopied !== undefined) {
            fields.data = uncopied.copy(uncopied.keys);
            uncopied = undefined;
          }
          if (step.first) fields.data[step.name as string] = renderContent(ctx, step.content, values, budget);
          break;
        }
        // A repeated Name keeps its first value, as in the XML reader.
        const name = step.name ?? attributeValue(ctx, step.nameValue, values, budget);
        if (name === undefined || Object.hasOwn(fields.data, name)) break;
        const value = renderContent(ctx, step.content, values, budget);
        state.dataEmpty = false;
        // `__proto__` is a legal Data name; define it so it lands as a plain key.
        if (name === '__proto__') Object.defineProperty(fields.data, name, { value, enumerable: true, writable: true, configurable: true });
        else fields.data[name] = value;
        break;
      }
      default: {
        const unreachable: never = step;
        return unreachable;
      }
    }
  }
}

/** A System field by name, read through a named property (one inline cache per field, not one shared keyed lookup). */
function systemField(system: RawSystem, field: keyof RawSystem): string | undefined {
  switch (field) {
    case 'Provider': return system.Provider;
    case 'EventID': return system.EventID;
    case 'Version': return system.Version;
    case 'Channel': return system.Channel;
    case 'Computer': return system.Computer;
    case 'EventRecordID': return system.EventRecordID;
    case 'TimeCreated': return system.TimeCreated;
    case 'UserID': return system.UserID;
    default: {
      const unreachable: never = field;
      return unreachable;
    }
  }
}

/** Sets a System field through a named property (see systemField). */
function setSystemField(system: RawSystem, field: keyof RawSystem, value: string): void {
  switch (field) {
    case 'Provider': system.Provider = value; return;
    case 'EventID': system.EventID = value; return;
    case 'Version': system.Version = value; return;
    case 'Channel': system.Channel = value; return;
    case 'Computer': system.Computer = value; return;
    case 'EventRecordID': system.EventRecordID = value; return;
    case 'TimeCreated': system.TimeCreated = value; return;
    case 'UserID': system.UserID = value; return;
    default: {
      const unreachable: never = field;
      return unreachable;
    }
  }
}

/** An attribute's rendered value; undefined when its value is an optional substitution left empty. */
function attributeValue(ctx: ChunkContext, value: BinXmlContent[], values: SubstitutionValues | undefined, budget: Budget): string | undefined {
  const only = value.length === 1 ? value[0] : undefined;
  if (only?.kind === 'substitution' && only.optional && (values === undefined || (valueType(ctx, values, only.index) ?? 0) === 0)) return undefined;
  return renderContent(ctx, value, values, budget);
}

/** The text of element or attribute content: literal text plus rendered substitutions, child elements ignored. */
function renderContent(ctx: ChunkContext, content: BinXmlContent[], values: SubstitutionValues | undefined, budget: Budget): string {
  const only = content.length === 1 ? content[0] : undefined;
  // The common case: the element's content is one substitution (`<Data Name='Image'>%12</Data>`).
  if (only?.kind === 'substitution' && values !== undefined && only.index < values.count) {
    const type = valueType(ctx, values, only.index);
    if (type === BINXML_VALUE_TYPE) return '';
    const text = renderSubstitution(ctx, values, only.index);
    if ((budget.chars -= text.length) < 0) throw overBudget(ctx, 'characters');
    return text;
  }
  let text = '';
  for (const item of content) {
    if (item.kind === 'text') text += item.text;
    else if (item.kind === 'substitution' && values !== undefined && item.index < values.count) {
      const type = valueType(ctx, values, item.index);
      if (type !== BINXML_VALUE_TYPE) {
        text += renderSubstitution(ctx, values, item.index);
      }
    }
  }
  if ((budget.chars -= text.length) < 0) throw overBudget(ctx, 'characters');
  return text;
}

function overBudget(ctx: ChunkContext, what: 'nodes' | 'characters'): EvtxFormatError {
  const limit = what === 'nodes' ? MAX_EXPANDED_NODES : MAX_RENDERED_CHARS;
  return new EvtxFormatError(ctx.fileOffset, 'template expansion', `record expands to more than ${limit} ${what} (templates or substitutions repeated beyond any real event)`);
}
