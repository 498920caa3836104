/** JUnit XML for CI systems that show test results (`talon test --junit file.xml`). */
import type { TestOutcome } from './run-tests.ts';

const xmlText = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderJunit(outcomes: readonly TestOutcome[]): string {
  const byFile = new Map<string, TestOutcome[]>();
  for (const o of outcomes) byFile.set(o.file, [...(byFile.get(o.file) ?? []), o]);
  const failed = outcomes.filter((o) => !o.passed).length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="talon" tests="${outcomes.length}" failures="${failed}">`,
  ];
  for (const [file, list] of byFile) {
    const fails = list.filter((o) => !o.passed).length;
    const seconds = list.reduce((s, o) => s + o.durationMs, 0) / 1000;
    lines.push(
      `  <testsuite name="${xmlText(file)}" tests="${list.length}" failures="${fails}" time="${seconds.toFixed(3)}">`,
    );
    for (const o of list) {
      const open = `    <testcase classname="${xmlText(file)}" name="${xmlText(o.name)}" time="${(o.durationMs / 1000).toFixed(3)}"`;
      if (o.passed) lines.push(`${open}/>`);
      else {
        lines.push(`${open}>`);
        lines.push(
          `      <failure message="${xmlText(o.failures[0] ?? 'failed')}">${xmlText(o.failures.join('\n'))}</failure>`,
        );
        lines.push('    </testcase>');
      }
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
