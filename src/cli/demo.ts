/**
 * `hearth start --demo`: two simulated cameras on loopback added to the config, so a
 * newcomer sees Hearth record with no camera. Discovery is kept on loopback.
 */
import { cameraObjectDefaults, defaultMotionSensitivity, type HearthConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { describeFleet, startFleet } from './simulate.ts';

export async function addDemoCameras(config: HearthConfig, log: Logger): Promise<() => Promise<void>> {
  const fleet = await startFleet({ cameras: 2 }, log.child({ component: 'demo' }));
  describeFleet(fleet).forEach((camera, index) => {
    const id = `demo-${index + 1}`;
    if (config.cameras.some((c) => c.id === id)) return;
    config.cameras.push({
      id,
      name: `Demo camera ${index + 1}`,
      enabled: true,
      onvif: camera.onvif ? { url: camera.onvif, username: camera.username, password: camera.password } : null,
      streams: { main: withCredentials(camera.main, camera.username, camera.password), sub: withCredentials(camera.sub, camera.username, camera.password) },
      // The simulator burns a clock code and the serial into the top of the picture: mask them like a camera's timestamp.
      motion: { enabled: true, sensitivity: defaultMotionSensitivity, masks: [{ x: 0, y: 0, w: 0.7, h: 0.12 }] },
      retention: { days: 1 },
      objects: cameraObjectDefaults(),
    });
  });
  // The demo's cameras answer on loopback only; probing the LAN would find nothing of theirs.
  config.discovery = { ...config.discovery, interfaces: ['lo'] };
  log.info('demo cameras running on loopback', { event: 'demo.started', cameras: fleet.simulator.cameras.length });
  return () => fleet.stop();
}

function withCredentials(url: string, username: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(username);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}
