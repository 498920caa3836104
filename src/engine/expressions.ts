/**
 * The engine's one door to the playbook expression language (JSONata inside `${{ }}`, evaluated by
 * src/playbook). Kept in one file so the engine's use of it is easy to see and to swap in tests.
 */
import type { ExpressionContext } from '../playbook/compiled.ts';
import {
  type CompiledTemplate,
  compileTemplate,
  evaluateCondition,
  evaluateExpression,
  unwrapExpression,
} from '../playbook/index.ts';

/** Where an expression sits, for error messages: the step and the field (`with.ids`, `if`...). */
export type ExpressionSite = { step: string; field: string } | string;

/**
 * Compiled mappings and lists of a playbook (a step's `with:`, the outputs), by the object and the
 * site they were compiled for. A compiled playbook is never changed (compiled plans are frozen), and a
 * worker reuses the plan object of a job that names its plan by digest while it caches that plan
 * (plan-store.ts, up to 256 plans), so each is scanned and parsed once per cached plan instead of once
 * per run. Weak: a plan the worker lets go takes its compiled values with it.
 */
const compiledValues = new WeakMap<object, Map<string, CompiledTemplate>>();

function siteKey(where: ExpressionSite): string {
  return typeof where === 'string' ? where : `${where.step}\u0000${where.field}`;
}

function compiledTemplateOf(value: unknown, where: ExpressionSite): CompiledTemplate {
  // Strings and other scalars are cheap to compile and cannot key a WeakMap.
  if (typeof value !== 'object' || value === null) return compileTemplate(value, where);
  let bySite = compiledValues.get(value);
  if (bySite === undefined) {
    bySite = new Map();
    compiledValues.set(value, bySite);
  }
  const site = siteKey(where);
  let template = bySite.get(site);
  if (template === undefined) {
    template = compileTemplate(value, where);
    bySite.set(site, template);
  }
  return template;
}

/** Renders every `${{ }}` template inside `value` (strings, arrays, objects) against `context`. */
export async function renderValue(
  value: unknown,
  context: ExpressionContext,
  where: ExpressionSite,
): Promise<unknown> {
  return await compiledTemplateOf(value, where).render(context);
}

/**
 * `value` compiled for rendering against many contexts (a foreach step's `with:`, once per item): the
 * same results and errors as renderValue, without scanning and parsing it again for every item, nor
 * for every run of the playbook.
 */
export function compileValue(
  value: unknown,
  where: ExpressionSite,
): (context: ExpressionContext) => Promise<unknown> {
  const template = compiledTemplateOf(value, where);
  return (context) => template.render(context);
}

/** Evaluates an `if:` expression (text without the `${{ }}` wrapper) to a boolean. */
export async function conditionHolds(
  expression: string,
  context: ExpressionContext,
  where: ExpressionSite,
): Promise<boolean> {
  return Boolean(await evaluateCondition(expression, context, where));
}

/** Evaluates a `foreach:` expression (with or without the `${{ }}` wrapper) to its value. */
export async function evaluateItems(
  expression: string,
  context: ExpressionContext,
  where: ExpressionSite,
): Promise<unknown> {
  return await evaluateExpression(unwrapExpression(expression), context, where);
}

/**
 * Evaluates a step's `select:` over one page or batch: the step's context plus `resources` bound to
 * that answer's resources. An array result is what to keep; one value is kept alone; nothing
 * (undefined, null) keeps nothing.
 */
export async function selectResources(
  expression: string,
  context: ExpressionContext,
  resources: readonly unknown[],
  where: ExpressionSite,
): Promise<unknown[]> {
  const value = await evaluateExpression(expression, { ...context, resources }, where);
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}
