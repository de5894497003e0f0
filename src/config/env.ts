/**
 * The environment variables Hearth reads, each parsed and checked here once; callers read
 * the typed result (loadConfig folds the configuration ones into HearthConfig). A bad value
 * stops Hearth with the variable's name and the fix, instead of a NaN port or a silent
 * default. HEARTH_FFMPEG / HEARTH_FFPROBE are paths looked up with PATH in ffmpeg/locate.ts.
 */
import { ConfigError } from './validate.ts';

export type EnvLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface HearthEnv {
  /** HEARTH_CONFIG: the YAML file, as --config. */
  configFile: string | undefined;
  /** HEARTH_DATA: the data dir, as --data. */
  dataDir: string | undefined;
  /** HEARTH_PORT: the HTTP port, as --port (0 picks a free one). */
  port: number | undefined;
  /** HEARTH_WSD_PORT: the WS-Discovery UDP port (default 3702); tests keep their simulated cameras on a private one. */
  wsdPort: number | undefined;
  /** HEARTH_DISCOVERY=off: as --no-discovery; `on` or unset leaves the config's choice. */
  discoveryOff: boolean;
  /** HEARTH_ONVIF_WORKER=off: ONVIF conversations on the main thread (debugging) instead of a worker. */
  onvifWorkerOff: boolean;
  /** HEARTH_LOG_LEVEL (default info). */
  logLevel: EnvLogLevel;
}

const logLevels: readonly EnvLogLevel[] = ['debug', 'info', 'warn', 'error'];

export function readEnv(env: NodeJS.ProcessEnv = process.env): HearthEnv {
  return {
    configFile: nonEmpty(env.HEARTH_CONFIG),
    dataDir: nonEmpty(env.HEARTH_DATA),
    port: optionalPort(env, 'HEARTH_PORT', 0, 'unset it for the config file\'s port (8080 by default)'),
    wsdPort: optionalPort(env, 'HEARTH_WSD_PORT', 1, 'unset it for the standard port 3702'),
    discoveryOff: onOff(env, 'HEARTH_DISCOVERY') === 'off',
    onvifWorkerOff: onOff(env, 'HEARTH_ONVIF_WORKER') === 'off',
    logLevel: logLevelOf(env),
  };
}

export function logLevelOf(env: NodeJS.ProcessEnv = process.env): EnvLogLevel {
  const value = nonEmpty(env.HEARTH_LOG_LEVEL);
  if (value === undefined) return 'info';
  if ((logLevels as readonly string[]).includes(value)) return value as EnvLogLevel;
  throw new ConfigError('HEARTH_LOG_LEVEL', `expected one of ${logLevels.join(', ')}, got ${JSON.stringify(value)}; unset it for info`);
}

/** A port number, also for the --port flag (its name goes in `source`). */
export function parsePort(value: string | number, source: string, lowest = 0, fix = ''): number {
  const port = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(port) || port < lowest || port > 65535 || (typeof value === 'string' && !/^\d+$/.test(value.trim()))) {
    const range = lowest === 0 ? 'from 1 to 65535 (0 picks a free one)' : `from ${lowest} to 65535`;
    throw new ConfigError(source, `expected a port number ${range}, got ${JSON.stringify(String(value))}${fix ? `; ${fix}` : ''}`);
  }
  return port;
}

function optionalPort(env: NodeJS.ProcessEnv, name: string, lowest: number, fix: string): number | undefined {
  const value = nonEmpty(env[name]);
  return value === undefined ? undefined : parsePort(value, name, lowest, fix);
}

function onOff(env: NodeJS.ProcessEnv, name: string): 'on' | 'off' | undefined {
  const value = nonEmpty(env[name]);
  if (value === undefined || value === 'on' || value === 'off') return value;
  throw new ConfigError(name, `expected on or off, got ${JSON.stringify(value)}`);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

let processVars: HearthEnv | undefined;

/** This process's environment, read once (for modules far from the CLI, such as the ONVIF facade). */
export function processEnv(): HearthEnv {
  processVars ??= readEnv(process.env);
  return processVars;
}
