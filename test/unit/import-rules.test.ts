import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layer rules of style.md C2, checked on the source text: who may import what, one importer per
// third-party library, no cycles.
const ROOT = resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

const IMPORT_RE =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT_RE)].map((m) => (m[1] ?? m[2]) as string);
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
}

const files = sourceFiles(join(ROOT, 'src'));
const rel = (file: string): string => relative(ROOT, file);
const internalTargets = (file: string): string[] =>
  importsOf(file)
    .filter((s) => s.startsWith('.'))
    .map((s) => rel(resolve(dirname(file), s)));

// Libraries that belong together in one module (a server and its plugins).
const PACKAGE_GROUPS: Record<string, string> = {
  '@bull-board/api': 'http-server',
  '@bull-board/fastify': 'http-server',
  fastify: 'http-server',
  'prom-client': 'http-server',
  bullmq: 'redis',
  ioredis: 'redis',
};

describe('import rules', () => {
  it('has each third-party library imported by exactly one module of ours', () => {
    const importers = new Map<string, Set<string>>();
    for (const file of files) {
      for (const spec of importsOf(file)) {
        if (spec.startsWith('.') || spec.startsWith('node:')) continue;
        const name = packageName(spec);
        const key = PACKAGE_GROUPS[name] ?? name;
        const set = importers.get(key) ?? new Set();
        set.add(rel(file));
        importers.set(key, set);
      }
    }
    const offenders = [...importers]
      .filter(([, set]) => set.size > 1)
      .map(([k, set]) => `${k}: ${[...set].join(', ')}`);
    expect(offenders).toEqual([]);
  });

  it('lets only the Falcon transport import got and its proxy agent', () => {
    const importers = files.filter((f) => importsOf(f).some((s) => s === 'got' || s === 'hpagent')).map(rel);
    expect(importers).toEqual(['src/falcon/http/transport.ts']);
  });

  it('keeps src/shared free of other Talon modules', () => {
    const bad = files
      .filter((f) => rel(f).startsWith('src/shared/'))
      .flatMap((f) =>
        internalTargets(f)
          .filter((t) => !t.startsWith('src/shared/'))
          .map((t) => `${rel(f)} -> ${t}`),
      );
    expect(bad).toEqual([]);
  });

  it.each([
    ['src/emulator/', ['src/shared/', 'src/emulator/', 'src/falcon/operations/']],
    // The playbook checker reads the declarations of src/actions (params, secret slots).
    ['src/playbook/', ['src/shared/', 'src/playbook/', 'src/falcon/operations/', 'src/actions/']],
    // src/actions implements the engine's ActionPort (src/engine/ports.ts, types only).
    ['src/actions/', ['src/shared/', 'src/actions/', 'src/config/', 'src/secrets/', 'src/engine/ports.ts']],
    ['src/secrets/', ['src/shared/', 'src/secrets/', 'src/config/']],
    [
      'src/engine/',
      ['src/shared/', 'src/engine/', 'src/playbook/', 'src/falcon/operations/', 'src/actions/'],
    ],
  ])('lets %s import only %j', (layer, allowed) => {
    const bad = files
      .filter((f) => rel(f).startsWith(layer))
      .flatMap((f) =>
        internalTargets(f)
          .filter((t) => !allowed.some((a) => t.startsWith(a)))
          .map((t) => `${rel(f)} -> ${t}`),
      );
    expect(bad).toEqual([]);
  });

  it('keeps the engine free of I/O libraries', () => {
    const banned = [
      'got',
      'bullmq',
      'ioredis',
      'node:http',
      'node:https',
      'node:fs',
      'node:net',
      'node:child_process',
    ];
    const bad = files
      .filter((f) => rel(f).startsWith('src/engine/'))
      .flatMap((f) =>
        importsOf(f)
          .filter((s) => banned.includes(s) || banned.includes(packageName(s)))
          .map((s) => `${rel(f)}: ${s}`),
      );
    expect(bad).toEqual([]);
  });

  it('reads process.env only in src/config', () => {
    const bad = files
      .filter((f) => !rel(f).startsWith('src/config/'))
      .filter((f) => /process\.env\b/.test(readFileSync(f, 'utf8').replace(/^\s*(\/\/|\*).*$/gm, '')))
      .map(rel);
    expect(bad).toEqual([]);
  });

  it('has no import cycles', () => {
    const graph = new Map(files.map((f) => [rel(f), internalTargets(f)]));
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (node: string, path: string[]): void => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
        return;
      }
      state.set(node, 'visiting');
      for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });
});
