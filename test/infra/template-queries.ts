/**
 * Read-only queries over a synthesized CloudFormation template, written independently of infra/ so the tests do
 * not check the infrastructure with its own helpers.
 */
import { Template } from 'aws-cdk-lib/assertions';
import type { App, Stack } from 'aws-cdk-lib';

/** A template resource. */
export interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** An IAM statement as it appears in the template. */
export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
  readonly Principal?: unknown;
  readonly Sid?: string;
}

/** A synthesized stack: its template, the raw JSON and the assembly directory. */
export interface Synthesized {
  readonly template: Template;
  readonly json: { Resources: Record<string, Resource>; Outputs?: Record<string, unknown> };
  readonly outdir: string;
}

/** Synthesizes the app once (running its validation plugins, e.g. cdk-nag) and returns the stack's template. */
export function synthesize(app: App, stack: Stack): Synthesized {
  const assembly = app.synth();
  const json = assembly.getStackArtifact(stack.artifactId).template as Synthesized['json'];
  return { template: Template.fromJSON(json as Record<string, unknown>), json, outdir: assembly.directory };
}

/** Logical ids and resources of one type. */
export function resourcesOfType(json: Synthesized['json'], type: string): Array<[string, Resource]> {
  return Object.entries(json.Resources).filter(([, resource]) => resource.Type === type);
}

/** The one resource of `type` whose logical id starts with `prefix`. */
export function single(json: Synthesized['json'], type: string, prefix: string): [string, Resource] {
  const found = resourcesOfType(json, type).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one ${type} with id ${prefix}*, found ${found.map(([id]) => id).join(', ') || 'none'}`);
  return found[0] as [string, Resource];
}

/** A CloudFormation value rendered as text: Ref X → `{X}`, GetAtt X.Arn → `{X.Arn}`, Join → joined, others as JSON. */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    if (typeof record.Ref === 'string') return `{${record.Ref}}`;
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `{${String(getAtt[0])}.${String(getAtt[1])}}`;
    const join = record['Fn::Join'];
    if (Array.isArray(join)) return (join[1] as unknown[]).map(render).join(String(join[0]));
  }
  // Other intrinsics (Fn::Select, Fn::Split, …) stay visible as their JSON.
  return JSON.stringify(value);
}

/** Values as a list (CloudFormation allows a scalar where a list is meant). */
export function asList<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Every IAM statement of every identity policy (AWS::IAM::Policy, inline role policies, managed policies). */
export function identityStatements(json: Synthesized['json']): Array<{ owner: string; statement: Statement }> {
  const out: Array<{ owner: string; statement: Statement }> = [];
  const push = (owner: string, document: unknown): void => {
    for (const statement of asList((document as { Statement?: Statement[] }).Statement)) out.push({ owner, statement });
  };
  for (const [id, resource] of Object.entries(json.Resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') push(id, props.PolicyDocument);
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of asList(props.Policies as Array<{ PolicyDocument: unknown }> | undefined)) push(id, policy.PolicyDocument);
    }
  }
  return out;
}

/** The identity statements that apply to the role whose logical id is `roleId`. */
export function roleStatements(json: Synthesized['json'], roleId: string): Statement[] {
  const statements: Statement[] = [];
  for (const [, resource] of resourcesOfType(json, 'AWS::IAM::Policy')) {
    const roles = asList(resource.Properties?.Roles as unknown[] | undefined).map(render);
    if (roles.includes(`{${roleId}}`)) statements.push(...asList((resource.Properties?.PolicyDocument as { Statement: Statement[] }).Statement));
  }
  const role = json.Resources[roleId];
  for (const policy of asList(role?.Properties?.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }> | undefined)) {
    statements.push(...asList(policy.PolicyDocument.Statement));
  }
  return statements;
}

/** The logical id of a Lambda function's execution role. */
export function functionRoleId(json: Synthesized['json'], functionId: string): string {
  const role = json.Resources[functionId]?.Properties?.Role;
  const text = render(role);
  const match = /^\{(.+)\.Arn\}$/.exec(text);
  if (match?.[1] === undefined) throw new Error(`function ${functionId} has role ${text}`);
  return match[1];
}

/** The state machine definition with tokens rendered as `{Ref}` / `{Id.Attr}` strings, parsed. */
export function stateMachineDefinition(json: Synthesized['json']): Record<string, unknown> {
  const [, machine] = single(json, 'AWS::StepFunctions::StateMachine', '');
  const definition = machine.Properties?.DefinitionString;
  const text = render(definition).replace(/\{AWS::Partition\}/g, 'aws');
  return JSON.parse(text) as Record<string, unknown>;
}

/** Every (action, resource) pair a list of statements allows. */
export function grants(statements: readonly Statement[]): Array<{ action: string; resource: string; statement: Statement }> {
  const out: Array<{ action: string; resource: string; statement: Statement }> = [];
  for (const statement of statements) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of asList(statement.Action)) {
      for (const resource of asList(statement.Resource as unknown)) out.push({ action, resource: render(resource), statement });
    }
  }
  return out;
}
