/**
 * Builds the configuration once at start: embedded defaults, then the optional YAML
 * file, then environment variables (parsed in env.ts), then command-line flags (the later wins).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { defaultConfig, defaultDataDir, type HearthConfig } from './schema.ts';
import { parseConfigDocument } from './parse.ts';
import { ConfigError } from './validate.ts';
import { parsePort, readEnv } from './env.ts';

export { ConfigError } from './validate.ts';

export interface ConfigOverrides {
  file?: string | undefined;
  dataDir?: string | undefined;
  /** The data dir when neither `dataDir` nor HEARTH_DATA names one (default ./data). */
  defaultDataDir?: string | undefined;
  port?: string | number | undefined;
  host?: string | undefined;
}

export function loadConfig(flags: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): HearthConfig {
  const vars = readEnv(env);
  const file = flags.file ?? vars.configFile;
  const base = file ? { ...parseFile(file), sourceFile: path.resolve(file) } : defaultConfig();
  const config: HearthConfig = { ...base, dataDir: path.resolve(flags.dataDir ?? vars.dataDir ?? flags.defaultDataDir ?? defaultDataDir) };

  const port = flags.port !== undefined ? parsePort(flags.port, '--port') : vars.port;
  if (port !== undefined) config.http = { ...config.http, port };
  if (flags.host !== undefined) config.http = { ...config.http, host: flags.host };
  if (vars.discoveryOff) config.discovery = { ...config.discovery, enabled: false };
  if (vars.wsdPort !== undefined) config.discovery = { ...config.discovery, port: vars.wsdPort };
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
