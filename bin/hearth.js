#!/usr/bin/env node
// Runs the compiled build (dist/, `npm run build`). In a dev checkout (src/ present) without
// a build, with one older than src/, or with HEARTH_DEV=1, it runs src/ through tsx instead
// (bin/hearth-dev.js). An installed tree has no src/ and no hearth-dev.js: it always runs
// dist/ and never looks for tsx.
import { existsSync, readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const compiled = new URL('dist/cli/main.js', root);
const sources = new URL('src/', root);

/** True when a file under src/ changed after the build started (one walk of src/, a few ms). */
function newerThanBuild(dir, stampMs) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
    if (entry.isDirectory() ? newerThanBuild(file, stampMs) : statSync(file).mtimeMs > stampMs) return true;
  }
  return false;
}

/** Why a dev checkout runs src/ (null: HEARTH_DEV=1 asked for it), or undefined to run dist/. */
function whyNotCompiled() {
  if (process.env.HEARTH_DEV === '1') return null;
  if (!existsSync(compiled)) return 'no build in dist/';
  const stamp = new URL('dist/.build-stamp', root);
  if (!existsSync(stamp) || newerThanBuild(sources, statSync(stamp).mtimeMs)) return 'dist/ is older than src/';
  return undefined;
}

const reason = existsSync(sources) ? whyNotCompiled() : undefined;
if (reason === undefined) await import(compiled.href);
else await (await import('./hearth-dev.js')).runFromSource(reason);
