/**
 * Semantic checks of steps: unique ids, `uses` resolving to an operation or a core action (with "did
 * you mean"), parameters the operation takes, decommissioned and removed operations, paginate only on
 * paging operations, foreach with items, and every expression the step holds.
 */
import {
  ALERT_ACTION_NAMES,
  ALERT_STATUS_VALUES,
  COLLECTIONS,
  findOperation,
  operationsByCollection,
  INCIDENT_ACTION_NAMES,
  type OperationSpec,
  type ParamSpec,
  qualifiedName,
  suggestOperations,
} from '../falcon/operations/index.ts';
import { APPROVAL_USES, checkApprovalStep } from './check-approval.ts';
import { type ExpressionScope, checkExpressionField, checkTemplates } from './check-expressions.ts';
import { type CoreParam, findCoreAction, STEP_ACTIONS } from './core-actions.ts';
import { checkSecretSlots } from './check-secrets.ts';
import { type Finding, finding, pointerToken } from './findings.ts';
import { didYouMean } from './suggest.ts';
import { describeValue } from './validate-schema.ts';

/** `with` keys every Falcon step may use to pass raw request parts through unchecked. */
export const PASSTHROUGH_PARAMS = ['body', 'parameters'];

const MIGRATION_HINT = 'the migration map in docs/falcon-successors.md shows how parameters move';

export interface StepCheckOptions {
  /** Turn warnings (decommissioned operations) into errors. */
  strict: boolean;
  /** Secret names defined where the playbook is validated; null = names are not checked. */
  secrets?: ReadonlySet<string> | null;
}

type Doc = Record<string, unknown>;

function isMap(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Step ids in order; a missing or non-string id keeps its slot as an empty string. */
export function stepIds(steps: readonly unknown[]): string[] {
  return steps.map((s) => (isMap(s) && typeof s.id === 'string' ? s.id : ''));
}

/** Checks every step; `base` holds what expressions may read apart from steps and item. */
export function checkSteps(
  steps: readonly unknown[],
  base: Omit<ExpressionScope, 'current' | 'item' | 'stepOrder'>,
  options: StepCheckOptions,
): Finding[] {
  const order = stepIds(steps);
  const out: Finding[] = [];
  const firstAt = new Map<string, number>();
  steps.forEach((step, index) => {
    if (!isMap(step)) return;
    const at = `/steps/${index}`;
    const id = order[index]!;
    if (id !== '' && firstAt.has(id)) {
      const message = `duplicate step id "${id}" (first used by step ${firstAt.get(id)! + 1})`;
      out.push(finding('SOAR_PLAYBOOK_DUPLICATE_STEP_ID', `${at}/id`, message));
    } else if (id !== '') {
      firstAt.set(id, index);
    }
    const scope: ExpressionScope = { ...base, stepOrder: order, current: index, item: false };
    out.push(...checkOneStep(step, at, scope, options));
  });
  return out;
}

function checkOneStep(step: Doc, at: string, scope: ExpressionScope, options: StepCheckOptions): Finding[] {
  const out: Finding[] = [];
  const hasForeach = step.foreach !== undefined;
  if (typeof step.uses === 'string') out.push(...checkUses(step, at, options));
  if (typeof step.if === 'string') out.push(...checkExpressionField(step.if, `${at}/if`, scope).findings);
  if (hasForeach) out.push(...checkForeach(step.foreach, `${at}/foreach`, scope));
  if (step.with !== undefined) {
    // Secret slots hold `${{ secrets.NAME }}` and nothing else; they are checked apart and taken out
    // before the other templates are checked, where `secrets` is refused.
    const slots = checkSecretSlots(step, `${at}/with`, options.secrets ?? null);
    out.push(...slots.findings);
    out.push(...checkTemplates(slots.rest, `${at}/with`, { ...scope, item: hasForeach }));
  }
  if (typeof step.select === 'string') out.push(...checkSelect(step, `${at}/select`, scope, hasForeach));
  if (step.uses === APPROVAL_USES) out.push(...checkApprovalStep(step, at));
  return out;
}

/** `select` projects the answers of a Falcon operation; a core action has none to project. */
function checkSelect(step: Doc, at: string, scope: ExpressionScope, hasForeach: boolean): Finding[] {
  const resolved = typeof step.uses === 'string' ? resolveUses(step.uses) : undefined;
  if (resolved !== undefined && 'core' in resolved) {
    const message = `select only applies to Falcon steps; ${String(step.uses)} returns no resources`;
    return [finding('SOAR_PLAYBOOK_SCHEMA', at, message)];
  }
  const text = String(step.select);
  if (text.trim() === '') return [finding('SOAR_EXPR_SYNTAX', at, 'select is empty')];
  return checkExpressionField(text, at, { ...scope, item: hasForeach, resources: true }).findings;
}

function checkForeach(foreach: unknown, at: string, scope: ExpressionScope): Finding[] {
  const items = isMap(foreach) ? foreach.items : foreach;
  const itemsAt = isMap(foreach) ? `${at}/items` : at;
  if (items === undefined || items === null || (typeof items === 'string' && items.trim() === '')) {
    return [finding('SOAR_PLAYBOOK_FOREACH_ITEMS', at, 'foreach has no items')];
  }
  if (typeof items === 'string') return checkExpressionField(items, itemsAt, scope).findings;
  if (Array.isArray(items)) return checkTemplates(items, itemsAt, scope);
  return [];
}

/** Resolves `uses` to a Falcon operation or a core action; undefined when it is neither. */
export function resolveUses(uses: string): { op: OperationSpec } | { core: string } | undefined {
  const trimmed = uses.trim();
  if (findCoreAction(trimmed)) return { core: trimmed };
  const op = findOperation(trimmed);
  return op ? { op } : undefined;
}

function checkUses(step: Doc, at: string, options: StepCheckOptions): Finding[] {
  const uses = String(step.uses);
  const resolved = resolveUses(uses);
  if (resolved === undefined) return [unknownOperation(uses, `${at}/uses`)];
  const withValue = isMap(step.with) ? step.with : {};
  if ('core' in resolved) return checkCoreParams(resolved.core, withValue, step.with !== undefined, at);
  const op = resolved.op;
  const out: Finding[] = [...checkDeprecation(op, uses, `${at}/uses`, options)];
  if (step.paginate !== undefined && op.pagination === 'none') {
    out.push(
      finding(
        'SOAR_PLAYBOOK_SCHEMA',
        `${at}/paginate`,
        `${qualifiedName(op)} does not page; remove paginate`,
      ),
    );
  }
  out.push(...checkFalconParams(op, withValue, step.with !== undefined, at));
  return out;
}

function unknownOperation(uses: string, at: string): Finding {
  const core = /^(core|notify|http)\./.test(uses) ? didYouMean(uses, Object.keys(STEP_ACTIONS)) : '';
  const ops = suggestOperations(uses, 3);
  const suggestion =
    core !== '' ? core : ops.length > 0 ? ` (did you mean "${ops[0]}"?)` : nothingClose(uses);
  return finding('SOAR_PLAYBOOK_UNKNOWN_OPERATION', at, `unknown operation "${uses}"${suggestion}`);
}

/** When no name is close: the collection's operations, or the collections when that is unknown too. */
function nothingClose(uses: string): string {
  const dot = uses.indexOf('.');
  const collection = dot > 0 ? uses.slice(0, dot) : '';
  const actions = Object.keys(STEP_ACTIONS).filter((name) => name.startsWith(`${collection}.`));
  if (actions.length > 0) return `; ${collection} actions: ${actions.join(', ')}`;
  const ops = operationsByCollection(collection);
  if (ops.length > 0)
    return `; ${collection} has ${ops.map((op) => op.pep8).join(', ')} (talon ops list ${collection})`;
  const prefixes = [...new Set(Object.keys(STEP_ACTIONS).map((name) => name.split('.')[0]))];
  return `; collections: ${COLLECTIONS.join(', ')}; actions: ${prefixes.join(', ')} (talon ops list)`;
}

function checkDeprecation(op: OperationSpec, uses: string, at: string, options: StepCheckOptions): Finding[] {
  const gone = op.deprecated;
  if (!gone) return [];
  const next = gone.successor ? findOperation(gone.successor) : undefined;
  const successor = next ? `; use ${qualifiedName(next)} (${next.operationId})` : '';
  if (gone.removed) {
    return [
      finding('SOAR_PLAYBOOK_UNKNOWN_OPERATION', at, `"${uses}" was removed from the Falcon API${successor}`),
    ];
  }
  if (op.kind !== 'write') return [];
  const message = `"${uses}" writes through an API decommissioned on ${gone.decommissioned}${successor}`;
  return [
    finding('SOAR_PLAYBOOK_DECOMMISSIONED', at, message, 'value', {
      severity: options.strict ? 'error' : 'warning',
      hint: MIGRATION_HINT,
    }),
  ];
}

/**
 * Action names the client accepts as keyword parameters on operations with `action_parameters`
 * (falconpy style: `update_status: closed`); mirrors actionNames in src/falcon/request.ts.
 */
function actionKeywords(op: OperationSpec): readonly string[] {
  if (!op.params.some((p) => p.name === 'action_parameters')) return [];
  if (op.collection === 'alerts') return ALERT_ACTION_NAMES;
  return op.collection === 'incidents' ? INCIDENT_ACTION_NAMES : [];
}

function checkFalconParams(op: OperationSpec, given: Doc, hasWith: boolean, at: string): Finding[] {
  const out: Finding[] = [];
  const actions = actionKeywords(op);
  const names = [...op.params.map((p) => p.name), ...actions];
  for (const [key, value] of Object.entries(given)) {
    const param = op.params.find((p) => p.name === key);
    const keyAt = `${at}/with/${pointerToken(key)}`;
    if (param) {
      const problem = literalProblem(param, value);
      if (problem) out.push(finding('SOAR_PLAYBOOK_BAD_PARAM_VALUE', keyAt, problem));
      else out.push(...checkBodyFields(param, value, keyAt, key));
      if (key === 'action_parameters') out.push(...checkActionList(op, actions, value, keyAt));
    } else if (actions.includes(key)) {
      const problem = actionValueProblem(op, key, value);
      if (problem) out.push(finding('SOAR_PLAYBOOK_BAD_PARAM_VALUE', keyAt, problem));
    } else if (!PASSTHROUGH_PARAMS.includes(key)) {
      const close = didYouMean(key, names);
      const listed = close !== '' ? close : `; it takes ${names.join(', ')}`;
      const message = `${qualifiedName(op)} takes no parameter "${key}"${listed}`;
      out.push(finding('SOAR_PLAYBOOK_UNKNOWN_PARAM', keyAt, message, 'key'));
    }
  }
  const hasAction = Object.keys(given).some((k) => actions.includes(k));
  if (given.body === undefined) {
    for (const param of op.params) {
      const satisfied = param.name === 'action_parameters' && hasAction;
      if (param.required && given[param.name] === undefined && !satisfied) {
        const message = `${qualifiedName(op)} needs parameter "${param.name}"`;
        out.push(
          finding(
            'SOAR_PLAYBOOK_MISSING_PARAM',
            hasWith ? `${at}/with` : `${at}/uses`,
            message,
            hasWith ? 'key' : 'value',
          ),
        );
      }
    }
  }
  return out;
}

/**
 * Literal objects inside a parameter with documented fields (`indicators[]` of indicator_create):
 * each field known, each literal value of the right type and among the enum values, each required
 * field present. Templated values and whole templated items are checked at run time.
 */
function checkBodyFields(param: ParamSpec, value: unknown, at: string, name: string): Finding[] {
  const fields = param.fields;
  if (!fields) return [];
  if (param.type === 'object' && isMap(value)) return checkFieldsOf(fields, value, at, name);
  if (param.type !== 'object[]' || !Array.isArray(value)) return [];
  return value.flatMap((item, i) =>
    isMap(item) ? checkFieldsOf(fields, item, `${at}/${i}`, `${name}[]`) : [],
  );
}

function checkFieldsOf(fields: readonly ParamSpec[], item: Doc, at: string, name: string): Finding[] {
  const out: Finding[] = [];
  const names = fields.map((f) => f.name);
  for (const [key, value] of Object.entries(item)) {
    const keyAt = `${at}/${pointerToken(key)}`;
    const field = fields.find((f) => f.name === key);
    if (!field) {
      const close = didYouMean(key, names);
      const listed = close !== '' ? close : `; fields: ${names.join(', ')}`;
      out.push(
        finding('SOAR_PLAYBOOK_UNKNOWN_PARAM', keyAt, `${name} has no field "${key}"${listed}`, 'key'),
      );
      continue;
    }
    const problem = literalProblem(field, value);
    if (problem) out.push(finding('SOAR_PLAYBOOK_BAD_PARAM_VALUE', keyAt, `${name}.${key} ${problem}`));
    else out.push(...checkBodyFields(field, value, keyAt, `${name}.${key}`));
  }
  for (const field of fields) {
    if (field.required && item[field.name] === undefined) {
      out.push(finding('SOAR_PLAYBOOK_MISSING_PARAM', at, `${name} needs field "${field.name}"`, 'key'));
    }
  }
  return out;
}

/** Literal `action_parameters` entries must name an action the operation knows. */
function checkActionList(
  op: OperationSpec,
  actions: readonly string[],
  value: unknown,
  at: string,
): Finding[] {
  if (actions.length === 0 || !Array.isArray(value)) return [];
  return value.flatMap((entry, i) => {
    if (!isMap(entry) || typeof entry.name !== 'string' || isTemplate(entry.name)) return [];
    if (actions.includes(entry.name)) {
      const problem = actionValueProblem(op, entry.name, entry.value);
      return problem ? [finding('SOAR_PLAYBOOK_BAD_PARAM_VALUE', `${at}/${i}/value`, problem)] : [];
    }
    const message = `${qualifiedName(op)} has no action "${entry.name}"${didYouMean(entry.name, actions)}`;
    return [finding('SOAR_PLAYBOOK_BAD_PARAM_VALUE', `${at}/${i}/name`, message)];
  });
}

/** The alert status action takes only the statuses Alerts know. */
function actionValueProblem(op: OperationSpec, action: string, value: unknown): string | undefined {
  if (
    op.collection !== 'alerts' ||
    action !== 'update_status' ||
    typeof value !== 'string' ||
    isTemplate(value)
  ) {
    return undefined;
  }
  if ((ALERT_STATUS_VALUES as readonly string[]).includes(value)) return undefined;
  return `update_status must be one of ${ALERT_STATUS_VALUES.join(', ')} (got ${describeValue(value)})${didYouMean(value, ALERT_STATUS_VALUES)}`;
}

function checkCoreParams(name: string, given: Doc, hasWith: boolean, at: string): Finding[] {
  const params = STEP_ACTIONS[name]?.params;
  if (!params) return [];
  const out: Finding[] = [];
  const names = params.map((p) => p.name);
  for (const [key, value] of Object.entries(given)) {
    const param = params.find((p) => p.name === key);
    const keyAt = `${at}/with/${pointerToken(key)}`;
    if (!param) {
      out.push(
        finding(
          'SOAR_PLAYBOOK_UNKNOWN_PARAM',
          keyAt,
          `${name} takes no parameter "${key}"${didYouMean(key, names)}`,
          'key',
        ),
      );
    } else {
      const problem = coreEnumProblem(param, value);
      if (problem) out.push(finding('SOAR_PLAYBOOK_BAD_PARAM_VALUE', keyAt, problem));
    }
  }
  for (const param of params) {
    if (param.required && given[param.name] === undefined) {
      out.push(
        finding(
          'SOAR_PLAYBOOK_MISSING_PARAM',
          hasWith ? `${at}/with` : `${at}/uses`,
          `${name} needs parameter "${param.name}"`,
          hasWith ? 'key' : 'value',
        ),
      );
    }
  }
  return out;
}

function coreEnumProblem(param: CoreParam, value: unknown): string | undefined {
  if (!param.enum || isTemplate(value) || (typeof value === 'string' && param.enum.includes(value)))
    return undefined;
  return `must be one of ${param.enum.join(', ')} (got ${describeValue(value)})${typeof value === 'string' ? didYouMean(value, param.enum) : ''}`;
}

function isTemplate(value: unknown): boolean {
  return typeof value === 'string' && value.includes('${{');
}

/** A problem with a literal (non-template) parameter value, judged by the operation table's type and enum. */
function literalProblem(param: ParamSpec, value: unknown): string | undefined {
  if (isTemplate(value) || value === null) return undefined;
  if (param.enum && typeof value === 'string' && !param.enum.includes(value)) {
    return `must be one of ${param.enum.join(', ')} (got ${describeValue(value)})${didYouMean(value, param.enum)}`;
  }
  const enumValues = param.enum;
  if (enumValues && param.type === 'string[]' && Array.isArray(value)) {
    const bad = value.find((v) => typeof v === 'string' && !isTemplate(v) && !enumValues.includes(v));
    if (typeof bad === 'string') {
      return `items must be among ${enumValues.join(', ')} (got ${describeValue(bad)})${didYouMean(bad, enumValues)}`;
    }
  }
  const ok = typeMatches(param.type, value);
  return ok ? undefined : `must be ${TYPE_WORDS[param.type]} (got ${describeValue(value)})`;
}

const TYPE_WORDS: Record<ParamSpec['type'], string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  'string[]': 'a string or a list of strings',
  object: 'a mapping',
  'object[]': 'a list of mappings',
  any: 'any value',
};

function typeMatches(type: ParamSpec['type'], value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
    // The client accepts integer and boolean text too ("100", "true"), as query strings carry them.
    case 'integer':
      return Number.isInteger(value) || (typeof value === 'string' && /^-?\d+$/.test(value.trim()));
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return (
        typeof value === 'boolean' || (typeof value === 'string' && /^(true|false)$/i.test(value.trim()))
      );
    case 'string[]':
      return (
        typeof value === 'string' ||
        (Array.isArray(value) && value.every((v) => !isMap(v) && !Array.isArray(v)))
      );
    case 'object':
      return isMap(value);
    case 'object[]':
      return Array.isArray(value) && value.every((v) => isMap(v) || isTemplate(v));
    default:
      return true;
  }
}
