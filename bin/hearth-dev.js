// Dev checkouts only (scripts/install.sh does not install this file): runs src/ through tsx,
// a dev dependency, when there is no up-to-date build in dist/ or HEARTH_DEV=1 asks for it.

/** reason: why not dist/ (a one-line note on stderr), or null when HEARTH_DEV=1 asked. */
export async function runFromSource(reason) {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(`hearth: ${reason ?? 'HEARTH_DEV=1 asks for src/'} and tsx is not installed: run "npm run build" (it needs the dev packages: npm ci)\n`);
    process.exit(1);
  }
  if (reason !== null) process.stderr.write(`hearth: ${reason}; running src/ through tsx ("npm run build" compiles it)\n`);
  register();
  await import('../src/cli/main.ts');
}
