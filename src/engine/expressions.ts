/**
 * The engine's one door to the playbook expression language (JSONata inside `${{ }}`, evaluated by
 * src/playbook). Kept in one file so the engine's use of it is easy to see and to swap in tests.
 */
import type { ExpressionContext } from '../playbook/compiled.ts';
import {
  compileTemplate,
  evaluateCondition,
  evaluateExpression,
  renderTemplate,
  unwrapExpression,
} from '../playbook/index.ts';

/** Where an expression sits, for error messages: the step and the field (`with.ids`, `if`...). */
export type ExpressionSite = { step: string; field: string } | string;

/** Renders every `${{ }}` template inside `value` (strings, arrays, objects) against `context`. */
export async function renderValue(
  value: unknown,
  context: ExpressionContext,
  where: ExpressionSite,
): Promise<unknown> {
  return await renderTemplate(value, context, where);
}

/**
 * Compiles `value` once for rendering against many contexts (a foreach step's `with:`, once per item):
 * the same results and errors as renderValue, without scanning and parsing it again for every item.
 */
export function compileValue(
  value: unknown,
  where: ExpressionSite,
): (context: ExpressionContext) => Promise<unknown> {
  const template = compileTemplate(value, where);
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
