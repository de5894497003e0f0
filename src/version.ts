/** Hearth's version, read once from package.json (the single source of truth). */
import { readFileSync } from 'node:fs';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const hearthVersion: string = packageJson.version;
