/**
 * `hearth` entry point: dispatches to one module per command and turns every failure
 * into one line on stderr and a non-zero exit (docs/INTERFACE.md, "Commands").
 */
import { usage } from './usage.ts';
import { UsageError } from './errors.ts';
import { hearthVersion } from '../version.ts';

type Command = (args: string[]) => Promise<number | undefined>;

const commands: Record<string, () => Promise<Command>> = {
  start: async () => (await import('./start.ts')).startCommand,
  doctor: async () => (await import('./doctor.ts')).doctorCommand,
  user: async () => (await import('./user.ts')).userCommand,
  discover: async () => (await import('./discover.ts')).discoverCommand,
  simulate: async () => (await import('./simulate.ts')).simulateCommand,
  backup: async () => (await import('./backup.ts')).backupCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) throw new UsageError('no command given; run "hearth --help" to see the commands (hearth start runs the recorder)');
  if (name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${hearthVersion}\n`);
    return 0;
  }
  const load = commands[name];
  if (!load) throw new UsageError(`unknown command "${name}"; run "hearth --help" to see the commands`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  return (await (await load())(rest)) ?? 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`hearth: ${message.split('\n')[0]}\n`);
  if (process.env.HEARTH_LOG_LEVEL === 'debug' && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
