/**
 * Structured logging: one line per record, `time level message key=value ...`.
 * Readable by a homeowner in `journalctl`, greppable by scripts (keys are stable).
 * Fields never hold secrets: callers pass camera ids, not URLs with passwords.
 */
import { redactCredentials } from './net/redactCredentials.ts';
import { logLevelOf } from './config/env.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | null | undefined>;

const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` (for example `{ camera: 'porch' }`) to every record. */
  child(fields: LogFields): Logger;
}

export interface LogSink {
  write(line: string): void;
}

function formatValue(value: string | number | boolean | null): string {
  const text = String(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

export function formatRecord(level: LogLevel, message: string, fields: LogFields, now: Date): string {
  const parts = [now.toISOString(), level, message];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    parts.push(`${key}=${formatValue(value)}`);
  }
  return parts.join(' ');
}

export function createLogger(
  options: { level?: LogLevel; sink?: LogSink; fields?: LogFields } = {},
): Logger {
  const minRank = levelRank[options.level ?? envLevel()];
  const sink: LogSink = options.sink ?? { write: (line) => process.stderr.write(`${line}\n`) };
  const base = options.fields ?? {};

  const emit = (level: LogLevel, message: string, fields: LogFields = {}): void => {
    if (levelRank[level] < minRank) return;
    sink.write(redactCredentials(formatRecord(level, message, { ...base, ...fields }, new Date())));
  };

  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ level: options.level, sink, fields: { ...base, ...fields } }),
  };
}

function envLevel(): LogLevel {
  return logLevelOf(process.env);
}

/** A logger that drops everything; for library use in tests that assert on behaviour, not logs. */
export const silentLogger: Logger = createLogger({ sink: { write: () => undefined }, level: 'error' });
