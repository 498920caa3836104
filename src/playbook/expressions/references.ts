/**
 * Reads a JSONata AST for what an expression refers to: the context roots it starts paths from
 * (`steps.find`, `inputs.x`, `env.X`, `$$.steps.find`) and forbidden functions. Only names read in the
 * root context count: inside predicates, sort terms, later path steps and lambdas a bare name refers
 * to the current item, not to the context object, so it is not checked.
 */
import type { AstNode } from './jsonata-engine.ts';

export interface ContextReference {
  /** First name of the path: inputs, steps, item, ... */
  root: string;
  /** The next name, e.g. the step id in steps.<id>; undefined when absent or computed. */
  child: string | undefined;
  /** 0-based index of the root name in the expression source. */
  rootIndex: number;
  /** 0-based index of the child name, when there is one. */
  childIndex: number | undefined;
}

export interface ExpressionFacts {
  references: ContextReference[];
  /** `$eval` (and any other forbidden function) uses with their index. */
  forbidden: { name: string; index: number }[];
  /** Regex literals (pattern text) with the index of their opening slash. */
  regexes: { source: string; index: number }[];
}

const FORBIDDEN_FUNCTIONS = new Set(['eval']);
/** Keys whose expressions run against something other than the context object. */
const NOT_ROOT_KEYS = new Set([
  'stages',
  'predicate',
  'group',
  'terms',
  'body',
  'pattern',
  'update',
  'delete',
]);

/** Collects context references and forbidden calls from an AST. */
export function readExpressionFacts(ast: AstNode, source: string): ExpressionFacts {
  const facts: ExpressionFacts = { references: [], forbidden: [], regexes: [] };
  visit(ast, true, source, facts);
  return facts;
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as AstNode).type === 'string';
}

/** Start index of a name node: position is the end; a backticked name has two more characters. */
function startOf(node: AstNode, source: string): number {
  const end = node.position ?? 0;
  const length = String(node.value ?? '').length;
  const quoted = source[end - 1] === '`' ? 2 : 0;
  return Math.max(0, end - length - quoted);
}

function visit(node: unknown, root: boolean, source: string, facts: ExpressionFacts): void {
  if (Array.isArray(node)) {
    for (const child of node) visit(child, root, source, facts);
    return;
  }
  if (!isNode(node)) return;
  if (node.type === 'variable' && FORBIDDEN_FUNCTIONS.has(String(node.value))) {
    facts.forbidden.push({ name: `$${String(node.value)}`, index: startOf(node, source) - 1 });
  }
  if (node.type === 'regex' && node.value instanceof RegExp) {
    // position is the end of the literal (after any flags); point at its opening slash instead.
    const literal = `/${node.value.source}/`;
    const start = source.lastIndexOf(literal, node.position ?? source.length);
    facts.regexes.push({ source: node.value.source, index: Math.max(0, start) });
  }
  if (node.type === 'path' && Array.isArray(node.steps)) {
    visitPath(node.steps as unknown[], root, source, facts);
  } else if (node.type === 'name' && root) {
    record(node, undefined, source, facts);
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === 'steps' && node.type === 'path') continue;
    if (typeof value !== 'object' || value === null) continue;
    visit(value, root && !NOT_ROOT_KEYS.has(key), source, facts);
  }
}

function visitPath(steps: unknown[], root: boolean, source: string, facts: ExpressionFacts): void {
  const [first, second, third] = steps;
  if (isNode(first) && first.type === 'name' && root) {
    record(first, isNode(second) && second.type === 'name' ? second : undefined, source, facts);
  }
  // `$$` is always the context object, wherever it appears; `$` is the context object at the root.
  const contextVariable =
    isNode(first) && first.type === 'variable' && (first.value === '$' || (first.value === '' && root));
  if (contextVariable && isNode(second) && second.type === 'name') {
    record(second, isNode(third) && third.type === 'name' ? third : undefined, source, facts);
  }
  steps.forEach((step, index) => {
    if (!isNode(step)) return;
    if (step.type === 'variable' && FORBIDDEN_FUNCTIONS.has(String(step.value))) {
      facts.forbidden.push({ name: `$${String(step.value)}`, index: startOf(step, source) - 1 });
    }
    for (const [key, value] of Object.entries(step)) {
      if (typeof value !== 'object' || value === null) continue;
      const stepRoot = root && index === 0 && !NOT_ROOT_KEYS.has(key);
      visit(value, stepRoot, source, facts);
    }
  });
}

function record(
  rootNode: AstNode,
  childNode: AstNode | undefined,
  source: string,
  facts: ExpressionFacts,
): void {
  facts.references.push({
    root: String(rootNode.value),
    child: childNode === undefined ? undefined : String(childNode.value),
    rootIndex: startOf(rootNode, source),
    childIndex: childNode === undefined ? undefined : startOf(childNode, source),
  });
}
