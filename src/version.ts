/** Hearth's version, read once from package.json (the single source of truth). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { appRoot } from './appRoot.ts';

const packageJson = JSON.parse(readFileSync(path.join(appRoot, 'package.json'), 'utf8')) as { version: string };

export const hearthVersion: string = packageJson.version;
