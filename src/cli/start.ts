/** `hearth start`: run until SIGINT/SIGTERM, then stop every camera worker and child process. */
import { loadConfig } from '../config/load.ts';
import { createLogger } from '../log.ts';
import { startHearth } from '../hearth.ts';
import { parseFlags } from './parse.ts';

export async function startCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    config: { type: 'string' },
    data: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    'no-discovery': { type: 'boolean' },
    demo: { type: 'boolean' },
  });
  const log = createLogger();
  const demo = values.demo === true;
  const config = loadConfig({
    file: values.config,
    dataDir: values.data,
    // The demo's recordings stay apart from a real ./data, unless --data or HEARTH_DATA says where.
    ...(demo ? { defaultDataDir: './data-demo' } : {}),
    port: values.port,
    host: values.host,
  });
  if (values['no-discovery'] === true) config.discovery = { ...config.discovery, enabled: false };

  // Listen for the signal before starting: one that arrives while recorders start (systemd
  // stopping a slow start, Ctrl-C) must still stop them, not kill Hearth and orphan its ffmpeg.
  const stopRequested = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      log.info('stopping', { event: 'hearth.stopping', signal });
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  const stopDemo = demo ? await (await import('./demo.ts')).addDemoCameras(config, log) : null;
  const hearth = await startHearth(config, log);

  await stopRequested;
  await hearth.stop();
  await stopDemo?.();
  log.info('stopped', { event: 'hearth.stopped' });
  return 0;
}
