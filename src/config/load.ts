/**
 * Builds the configuration once at start: embedded defaults, then the optional YAML
 * file, then environment variables, then command-line flags (the later wins).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { defaultConfig, defaultDataDir, type HearthConfig } from './schema.ts';
import { parseConfigDocument } from './parse.ts';
import { ConfigError } from './validate.ts';

export { ConfigError } from './validate.ts';

export interface ConfigOverrides {
  file?: string | undefined;
  dataDir?: string | undefined;
  port?: string | number | undefined;
  host?: string | undefined;
}

export function loadConfig(flags: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): HearthConfig {
  const file = flags.file ?? nonEmpty(env.HEARTH_CONFIG);
  const base = file ? { ...parseFile(file), sourceFile: path.resolve(file) } : defaultConfig();
  const config: HearthConfig = { ...base, dataDir: defaultDataDir };

  const dataDir = flags.dataDir ?? nonEmpty(env.HEARTH_DATA);
  if (dataDir !== undefined) config.dataDir = dataDir;
  config.dataDir = path.resolve(config.dataDir);

  const port = flags.port ?? nonEmpty(env.HEARTH_PORT);
  if (port !== undefined) config.http = { ...config.http, port: parsePort(port, flags.port !== undefined ? '--port' : 'HEARTH_PORT') };
  if (flags.host !== undefined) config.http = { ...config.http, host: flags.host };
  return config;
}

function parseFile(file: string): ReturnType<typeof parseConfigDocument> {
  try {
    return parseConfigDocument(readYaml(file));
  } catch (error) {
    // Name the file in every message: a homeowner may have several.
    if (error instanceof ConfigError && error.file === null && error.keyPath !== '') {
      throw new ConfigError(error.keyPath, error.problem, file);
    }
    throw error;
  }
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new ConfigError('', `cannot read ${file}: ${why}; check the --config path or HEARTH_CONFIG`, null);
  }
  try {
    return parseYaml(text, { uniqueKeys: true, maxAliasCount: 100 });
  } catch (error) {
    const where =
      error instanceof YAMLParseError && error.linePos?.[0]
        ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}`
        : '';
    // Alias bombs surface as plain errors from the yaml package; they are still "not valid YAML" to a user.
    throw new ConfigError('', `is not valid YAML${where}: ${(error as Error).message.split('\n')[0]}`, file);
  }
}

function parsePort(value: string | number, source: string): number {
  const port = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(source, `expected a port number from 1 to 65535 (0 picks a free one), got ${JSON.stringify(String(value))}`);
  }
  return port;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
