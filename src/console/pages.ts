/**
 * The HTML of the run console: the login page (a plain form, no script) and the console's shell,
 * which only loads /console/app.js and /console/app.css. Nothing from run data is ever put into this
 * HTML: the client renders data with text nodes (never innerHTML), so a playbook, step or approval
 * holding markup is shown as text.
 */

/** Headers of every console answer: no caching, strict CSP (scripts and styles only from this server). */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

function shell(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><link rel="stylesheet" href="/console/app.css"></head>
<body>${body}</body></html>`;
}

/** Why the previous sign-in failed: a refused token, or too many refused tokens from this address. */
export type LoginFailure = 'invalid' | 'blocked' | null;

/** The login form, with the reason the previous attempt failed. */
export function loginPage(failed: LoginFailure): string {
  const error =
    failed === 'invalid'
      ? '<p class="error" role="alert">That token is not valid (unknown or revoked).</p>'
      : failed === 'blocked'
        ? '<p class="error" role="alert">Too many refused tokens from this address: wait a minute and try again.</p>'
        : '';
  return shell(
    'Talon: sign in',
    `<main class="login"><h1>Talon run console</h1>${error}
<form method="post" action="/login">
<p><label for="token">API token</label><br><input id="token" name="token" type="password" autocomplete="off" required size="60"></p>
<p><button type="submit">Sign in</button></p>
</form>
<p class="hint">Create a token with <code>talon tokens create &lt;name&gt; --role viewer</code> (operator to decide approvals).</p></main>`,
  );
}

/** The console's shell: the client script draws every view into #app. */
export function consolePage(): string {
  return shell(
    'Talon run console',
    `<header><strong>Talon</strong>
<nav><a href="#/runs">Runs</a> <a href="#/approvals">Approvals</a> <a href="#/playbooks">Playbooks</a></nav>
<span id="who"></span>
<form method="post" action="/logout"><button type="submit">Sign out</button></form></header>
<main id="app">Loading...</main>
<script src="/console/app.js" defer></script>`,
  );
}
