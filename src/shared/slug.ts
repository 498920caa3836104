/**
 * The internal key of a playbook name: job ids, Redis keys, cron slots and poll cursors use it, so
 * two names with the same key would share them (the loader refuses that).
 */

/** A playbook name reduced to `[a-z0-9-]`, safe in job ids and keys. */
export function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return slug === '' ? 'playbook' : slug;
}
