/** `hearth backup FILE`: a consistent copy of the database (and the config in use), safe while Hearth runs. */
import path from 'node:path';
import { loadConfig } from '../config/load.ts';
import { databaseFileName } from '../db/connection.ts';
import { backupDatabase } from '../db/backup.ts';
import { UsageError } from './errors.ts';
import { parseFlags } from './parse.ts';

export async function backupCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { config: { type: 'string' }, data: { type: 'string' } }, true);
  const [target, ...extra] = positionals;
  if (!target) throw new UsageError('name the backup file: hearth backup FILE [--data DIR] [--config FILE]');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const config = loadConfig({ file: values.config, dataDir: values.data });
  const result = await backupDatabase({
    sourceDbFile: path.join(config.dataDir, databaseFileName),
    targetFile: target,
    configFile: config.sourceFile,
  });
  process.stdout.write(`database saved to ${result.databaseFile} (${result.databaseBytes} bytes)\n`);
  if (result.configFile !== null) process.stdout.write(`config saved to ${result.configFile}\n`);
  else process.stdout.write('no config file in use (embedded defaults); nothing else to save\n');
  return 0;
}
