/// <reference lib="dom" />
/**
 * The run console's entry point (bundled by esbuild into /console/app.js): a hash router over the
 * four views, and who is signed in.
 */
import { getJson } from './api.ts';
import { el, fill } from './dom.ts';
import { approvalsView, playbooksView, runsView, runView, type Stop } from './views.ts';

let stopCurrent: Stop = () => undefined;

function route(): void {
  stopCurrent();
  const root = document.getElementById('app');
  if (root === null) return;
  const hash = window.location.hash.replace(/^#/, '') || '/runs';
  const [path = '/runs', search = ''] = hash.split('?', 2);
  const query = new URLSearchParams(search);
  const run = /^\/runs\/(.+)$/.exec(path);
  if (run?.[1] !== undefined) stopCurrent = runView(root, decodeURIComponent(run[1]));
  else if (path === '/approvals') stopCurrent = approvalsView(root);
  else if (path === '/playbooks') stopCurrent = playbooksView(root);
  else stopCurrent = runsView(root, query);
  for (const link of document.querySelectorAll('nav a')) {
    link.classList.toggle('current', (link.getAttribute('href') ?? '').slice(1) === path);
  }
}

async function showWho(): Promise<void> {
  const who = document.getElementById('who');
  if (who === null) return;
  try {
    const me = await getJson<{ name: string; role: string }>('/console/api/me');
    fill(who, el('span', {}, `${me.name} (${me.role})`));
  } catch {
    fill(who, '');
  }
}

window.addEventListener('hashchange', route);
route();
void showWho();
