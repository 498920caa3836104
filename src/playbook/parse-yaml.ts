/**
 * YAML text -> plain JSON value plus a source map (JSON pointer -> line/column). The only importer of
 * the `yaml` package. Rejects what a playbook never needs and an attacker might send: tabs in
 * indentation, duplicate keys, several documents, custom tags, alias bombs and non-mapping roots.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Node, parseDocument, stringify, visit } from 'yaml';
import type { ErrorCode } from '../shared/index.ts';
import { explainYamlError } from './yaml-errors.ts';
import { SourceMap, type Span } from './source-map.ts';

/** Most alias nodes a playbook may hold; real playbooks use a handful. */
export const MAX_ALIASES = 50;

/** Deepest nesting of mappings and lists; real playbooks stay under ten. */
export const MAX_DEPTH = 64;

/** A problem found while parsing, before any file name is attached. */
export interface ParseProblem {
  code: ErrorCode;
  message: string;
  offset: number;
  pointer: string;
}

export interface ParsedYaml {
  /** The document as plain JSON data; undefined when parsing failed. */
  value: unknown;
  map: SourceMap;
  problems: ParseProblem[];
}

const YAML_CODES: Record<string, ErrorCode> = {
  DUPLICATE_KEY: 'SOAR_PLAYBOOK_DUPLICATE_KEY',
  TAB_AS_INDENT: 'SOAR_PLAYBOOK_TAB_INDENT',
};

/** Parses YAML text; never throws for bad input. */
export function parseYaml(text: string): ParsedYaml {
  const map = new SourceMap(text);
  const tooDeep = findDeepFlow(text);
  if (tooDeep) return { value: undefined, map, problems: [tooDeep] };
  const problems = findTabIndents(text);
  const doc = parseDocument(text, {
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
    version: '1.2',
    schema: 'core',
  });
  // Map what did parse, so a duplicate key can be named by its JSON pointer. A document too deep for
  // the stack is reported by the parser itself; the map then stays partial.
  try {
    if (doc.contents) mapNode(doc.contents, '', map);
  } catch {
    // partial map: positions fall back to the nearest mapped ancestor
  }
  // A stack overflow inside the parser (deep block nesting) repeats once per level at positions that
  // depend on the stack size: report it once, at the start.
  if (doc.errors.some((e) => /call stack/i.test(e.message))) {
    const message = 'the document nests too deeply to read; a playbook needs only a few levels';
    return {
      value: undefined,
      map,
      problems: [{ code: 'SOAR_PLAYBOOK_YAML', message, offset: 0, pointer: '' }],
    };
  }
  // The tab scan above names tabs more precisely than the parser does; drop its duplicate report.
  for (const error of doc.errors) {
    if (error.code === 'TAB_AS_INDENT' && problems.length > 0) continue;
    const explained = explainYamlError(error.code, error.message, text, error.pos[0]);
    const offset = explained?.offset ?? error.pos[0];
    const code = YAML_CODES[error.code] ?? 'SOAR_PLAYBOOK_YAML';
    const message = explained?.message ?? yamlMessage(error.code, error.message, text, offset);
    // One mistake often trips several parser errors at one place; say it once.
    if (problems.some((p) => p.offset === offset && p.message === message)) continue;
    const pointer = error.code === 'DUPLICATE_KEY' ? duplicatePointer(map, text, offset) : '';
    problems.push({ code, message, offset, pointer });
  }
  for (const warning of doc.warnings) {
    problems.push({
      code: 'SOAR_PLAYBOOK_YAML',
      message: lowerFirst(warning.message),
      offset: warning.pos[0],
      pointer: '',
    });
  }
  if (problems.length > 0) return { value: undefined, map, problems };

  let aliases = 0;
  let aliasOffset = 0;
  visit(doc, {
    Alias(_key, node) {
      aliases += 1;
      if (aliases === MAX_ALIASES + 1) aliasOffset = node.range?.[0] ?? 0;
    },
  });
  if (aliases > MAX_ALIASES) {
    const message = `${aliases} YAML aliases; at most ${MAX_ALIASES} are allowed (alias bombs expand exponentially)`;
    return {
      value: undefined,
      map,
      problems: [{ code: 'SOAR_PLAYBOOK_ALIAS_LIMIT', message, offset: aliasOffset, pointer: '' }],
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES * 20 });
  } catch (error) {
    const message = error instanceof Error ? lowerFirst(error.message) : 'the document cannot be read';
    const code = /alias count/i.test(message) ? 'SOAR_PLAYBOOK_ALIAS_LIMIT' : 'SOAR_PLAYBOOK_YAML';
    return { value: undefined, map, problems: [{ code, message, offset: 0, pointer: '' }] };
  }
  if (deeperThan(value, MAX_DEPTH)) {
    const message = `the document nests deeper than ${MAX_DEPTH} levels`;
    return {
      value: undefined,
      map,
      problems: [{ code: 'SOAR_PLAYBOOK_YAML', message, offset: 0, pointer: '' }],
    };
  }
  return { value, map, problems: [] };
}

/** True when `value` nests more than `limit` levels of lists and mappings (iterative: no recursion). */
function deeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

function keyAt(text: string, offset: number): string {
  const key = /^[^:\n]*/.exec(text.slice(offset))?.[0]?.trim() ?? '';
  return key.replace(/^["']|["']$/g, '');
}

/** The pointer of a duplicated key: its enclosing mapping plus the key. */
function duplicatePointer(map: SourceMap, text: string, offset: number): string {
  return `${map.innermostPointer(offset)}/${escapePointer(keyAt(text, offset))}`;
}

function yamlMessage(code: string, message: string, text: string, offset: number): string {
  if (code === 'DUPLICATE_KEY') {
    return `duplicate key "${keyAt(text, offset)}" in this mapping`;
  }
  if (/call stack/i.test(message))
    return 'the document nests too deeply to read; a playbook needs only a few levels';
  if (code === 'MULTIPLE_DOCS')
    return 'a playbook file holds exactly one YAML document (found a second "---")';
  return lowerFirst(message);
}

function lowerFirst(text: string): string {
  return text.length > 0 ? text[0]!.toLowerCase() + text.slice(1) : text;
}

/**
 * Finds flow collections (`[`, `{`) nested deeper than MAX_DEPTH before the parser recurses into them.
 * Quoted text and comments are skipped; an apostrophe inside a plain scalar can only hide brackets,
 * so the scan never reports a document the parser could read at a sane depth.
 */
function findDeepFlow(text: string): ParseProblem | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '"' || c === "'") {
      const close = text.indexOf(c, i + 1);
      i = close < 0 ? text.length : close;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? text.length : eol;
    } else if (c === '[' || c === '{') {
      depth += 1;
      if (depth > MAX_DEPTH) {
        const message = `the document nests deeper than ${MAX_DEPTH} levels`;
        return { code: 'SOAR_PLAYBOOK_YAML', message, offset: i, pointer: '' };
      }
    } else if (c === ']' || c === '}') {
      depth = Math.max(0, depth - 1);
    }
  }
  return undefined;
}

/** Reports every line whose leading whitespace holds a tab, at the tab's column. */
function findTabIndents(text: string): ParseProblem[] {
  const out: ParseProblem[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const indent = /^[ \t]*/.exec(line)?.[0] ?? '';
    const tab = indent.indexOf('\t');
    if (tab >= 0 && indent.length < line.trimEnd().length) {
      out.push({
        code: 'SOAR_PLAYBOOK_TAB_INDENT',
        message: 'tab character in indentation; YAML indents with spaces',
        offset: offset + tab,
        pointer: '',
      });
    }
    offset += line.length + 1;
  }
  return out;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function span(node: Node | null | undefined): Span | undefined {
  const range = node?.range;
  return range ? { start: range[0], end: range[1] } : undefined;
}

/** Records the key and value positions of every node under `node`. Aliases map to the alias itself. */
function mapNode(node: Node, pointer: string, map: SourceMap): void {
  const own = span(node);
  if (own) map.setValue(pointer, own);
  if (isAlias(node) || isScalar(node)) return;
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : '';
      const child = `${pointer}/${escapePointer(key)}`;
      const keySpan = span(keyNode);
      if (keySpan) map.setKey(child, keySpan);
      const valueNode = pair.value as Node | null;
      if (valueNode) mapNode(valueNode, child, map);
      else if (keySpan) map.setValue(child, keySpan);
    }
    return;
  }
  if (isSeq(node)) {
    node.items.forEach((item, index) => {
      if (item && typeof item === 'object') mapNode(item as Node, `${pointer}/${index}`, map);
    });
  }
}

/** A JSON value as YAML text (the recorded test files `talon test --record` writes). */
export function toYamlText(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
