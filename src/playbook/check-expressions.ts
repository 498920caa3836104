// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
/**
 * Compile-time checks of `${{ }}` expressions: syntax (positioned inside the YAML scalar), forbidden
 * functions, and what each expression reads: steps that exist and ran before, declared inputs, env
 * names on the allow list, item/index only where a foreach sets them.
 */
import { type Finding, finding, pointerToken } from './findings.ts';
import { parseJsonata } from './expressions/jsonata-engine.ts';
import { type ContextReference, readExpressionFacts } from './expressions/references.ts';
import { regexRisk } from './expressions/regex-safety.ts';
import { scanTemplate } from './expressions/template.ts';
import { didYouMean } from './suggest.ts';

/** What an expression at one place in the playbook may read. */
export interface ExpressionScope {
  /** Every step id in playbook order. */
  stepOrder: readonly string[];
  /** Index of the step being checked; steps before it are readable. stepOrder.length for outputs. */
  current: number;
  inputs: ReadonlySet<string>;
  env: ReadonlySet<string>;
  /** item and index are set (the `with` of a foreach step). */
  item: boolean;
  /** `resources` is set (the `select` of a Falcon step). */
  resources?: boolean;
  /** Warnings become errors. */
  strict?: boolean;
  /** Collects the inputs expressions read ('*' when one reads `inputs` whole), for the unused-input warning. */
  readInputs?: Set<string>;
}

const ROOTS = ['inputs', 'steps', 'item', 'index', 'run', 'trigger', 'env'];
const RUN_FIELDS = ['id', 'playbook', 'trigger', 'started_at'];

/** Checks every string under `value` (recursively) as a template. */
export function checkTemplates(value: unknown, pointer: string, scope: ExpressionScope): Finding[] {
  if (typeof value === 'string') return checkTemplateString(value, pointer, scope);
  if (Array.isArray(value)) return value.flatMap((v, i) => checkTemplates(v, `${pointer}/${i}`, scope));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) =>
      checkTemplates(v, `${pointer}/${pointerToken(k)}`, scope),
    );
  }
  return [];
}

/**
 * Checks an `if:`/`foreach:` string: one `${{ }}` expression, or bare JSONata without the wrapper.
 * Returns the expression source when it parsed, for the compiler.
 */
export function checkExpressionField(
  text: string,
  pointer: string,
  scope: ExpressionScope,
): { findings: Finding[]; source: string | undefined } {
  const scan = scanTemplate(text);
  if (!scan.ok) return { findings: [scanFinding(text, pointer, scan)], source: undefined };
  const exprs = scan.parts.filter((p) => p.kind === 'expr');
  const texts = scan.parts.filter((p) => p.kind === 'text' && p.text.trim() !== '');
  if (exprs.length === 0) {
    const findings = checkSource(text, pointer, scope, { needle: text, base: 0, occurrence: 0 });
    return { findings, source: findings.length === 0 ? text.trim() : undefined };
  }
  if (exprs.length > 1 || texts.length > 0) {
    const message = 'must be a single ${{ }} expression, without text around it';
    return { findings: [finding('SOAR_EXPR_SYNTAX', pointer, message)], source: undefined };
  }
  const findings = checkTemplateString(text, pointer, scope);
  const part = exprs[0];
  return {
    findings,
    source: findings.length === 0 && part?.kind === 'expr' ? part.source.trim() : undefined,
  };
}

function checkTemplateString(text: string, pointer: string, scope: ExpressionScope): Finding[] {
  const scan = scanTemplate(text);
  if (!scan.ok) return [scanFinding(text, pointer, scan)];
  const out: Finding[] = [];
  const seen = new Map<string, number>();
  for (const part of scan.parts) {
    if (part.kind !== 'expr') continue;
    const whole = `\${{${part.source}}}`;
    const occurrence = seen.get(whole) ?? 0;
    seen.set(whole, occurrence + 1);
    out.push(...checkSource(part.source, pointer, scope, { needle: whole, base: 3, occurrence }));
  }
  return out;
}

function scanFinding(text: string, pointer: string, scan: { message: string; index: number }): Finding {
  const occurrence = text.slice(0, scan.index).split('${{').length - 1;
  return finding('SOAR_EXPR_SYNTAX', pointer, scan.message, { needle: '${{', extra: 0, occurrence });
}

interface Locator {
  needle: string;
  /** Offset of the expression source inside the needle. */
  base: number;
  occurrence: number;
}

function checkSource(source: string, pointer: string, scope: ExpressionScope, at: Locator): Finding[] {
  const anchor = (index: number) => ({
    needle: at.needle,
    extra: at.base + index,
    occurrence: at.occurrence,
  });
  const parsed = parseJsonata(source);
  if (!parsed.ok) {
    return [
      finding('SOAR_EXPR_SYNTAX', pointer, `expression error: ${parsed.message}`, anchor(parsed.index)),
    ];
  }
  const facts = readExpressionFacts(parsed.ast, source);
  const out: Finding[] = facts.forbidden.map((f) =>
    finding(
      'SOAR_EXPR_FORBIDDEN',
      pointer,
      `${f.name} is not allowed: expressions never evaluate text as code`,
      anchor(f.index),
    ),
  );
  for (const regex of facts.regexes) {
    const risk = regexRisk(regex.source);
    if (risk === null) continue;
    const message = `regular expression /${regex.source}/ ${risk} and may take exponential time`;
    out.push(
      finding('SOAR_EXPR_SLOW_REGEX', pointer, message, anchor(regex.index), {
        severity: scope.strict ? 'error' : 'warning',
        hint: 'rewrite it so no repeated group holds + or * or branches that can start alike, e.g. (a+)+ -> a+, (\\w|\\d)+ -> \\w+; services refuse a playbook with such a regex',
      }),
    );
  }
  for (const ref of facts.references) {
    if (ref.root === 'inputs') scope.readInputs?.add(ref.child ?? '*');
    const problem = referenceProblem(ref, scope);
    if (problem) out.push(finding(problem.code, pointer, problem.message, anchor(problem.index)));
  }
  return out;
}

type Problem = { code: Finding['code']; message: string; index: number };

function referenceProblem(ref: ContextReference, scope: ExpressionScope): Problem | undefined {
  const childAt = ref.childIndex ?? ref.rootIndex;
  switch (ref.root) {
    case 'steps':
      return ref.child === undefined ? undefined : stepProblem(ref.child, childAt, scope);
    case 'inputs':
      if (ref.child === undefined || scope.inputs.has(ref.child)) return undefined;
      return {
        code: 'SOAR_PLAYBOOK_UNKNOWN_INPUT',
        message: `input "${ref.child}" is not declared under inputs${didYouMean(ref.child, scope.inputs)}`,
        index: childAt,
      };
    case 'env':
      if (ref.child === undefined || scope.env.has(ref.child)) return undefined;
      return {
        code: 'SOAR_PLAYBOOK_UNKNOWN_ENV',
        message: `env.${ref.child} is not listed under env${didYouMean(ref.child, scope.env)}`,
        index: childAt,
      };
    case 'run':
      if (ref.child === undefined || RUN_FIELDS.includes(ref.child)) return undefined;
      return {
        code: 'SOAR_PLAYBOOK_UNKNOWN_CONTEXT',
        message: `run has no field "${ref.child}" (it has ${RUN_FIELDS.join(', ')})${didYouMean(ref.child, RUN_FIELDS)}`,
        index: childAt,
      };
    case 'item':
    case 'index':
      if (scope.item) return undefined;
      return {
        code: 'SOAR_PLAYBOOK_UNKNOWN_CONTEXT',
        message: `${ref.root} is only set in the with of a foreach step`,
        index: ref.rootIndex,
      };
    case 'resources':
      if (scope.resources === true) return undefined;
      return {
        code: 'SOAR_PLAYBOOK_UNKNOWN_CONTEXT',
        message: 'resources is only set in the select of a Falcon step',
        index: ref.rootIndex,
      };
    case 'trigger':
      return undefined;
    case 'secrets':
      return {
        code: 'SOAR_PLAYBOOK_SECRET_MISPLACED',
        message:
          'secrets can only be the whole value of a secret parameter (webhook_url, smtp, tls_ca, http.request auth), written ${{ secrets.NAME }}',
        index: ref.rootIndex,
      };
    default: {
      const roots = scope.resources === true ? [...ROOTS, 'resources'] : ROOTS;
      return {
        code: 'SOAR_PLAYBOOK_UNKNOWN_CONTEXT',
        message: `unknown name "${ref.root}" in expression (expressions read ${roots.join(', ')})${didYouMean(ref.root, roots)}`,
        index: ref.rootIndex,
      };
    }
  }
}

function stepProblem(id: string, index: number, scope: ExpressionScope): Problem | undefined {
  const position = scope.stepOrder.indexOf(id);
  if (position >= 0 && position < scope.current) return undefined;
  if (position === scope.current) {
    return {
      code: 'SOAR_PLAYBOOK_FORWARD_STEP_REF',
      message: `step "${id}" cannot read its own output`,
      index,
    };
  }
  if (position > scope.current) {
    return {
      code: 'SOAR_PLAYBOOK_FORWARD_STEP_REF',
      message: `step "${id}" runs later; steps.${id} is not set yet`,
      index,
    };
  }
  const earlier = scope.stepOrder.slice(0, scope.current);
  return {
    code: 'SOAR_PLAYBOOK_UNKNOWN_STEP_REF',
    message: `no step has id "${id}"${didYouMean(id, earlier)}`,
    index,
  };
}
