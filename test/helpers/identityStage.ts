/**
 * The identity tests' stage: two simulated cameras with their ONVIF faces (WS-Discovery
 * only on 127.0.0.1, at the test's private port) and a recording fixture; then both adopted
 * by ONVIF, with the relocator and the identity check wired as Hearth wires them.
 */
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { attachOnvifToSimulator } from '../../src/simulator/onvif/onvifCompanion.ts';
import type { OnvifCamera } from '../../src/simulator/onvif/onvifCamera.ts';
import { adoptCamera, type AdoptedCamera } from '../../src/cameras/adoption.ts';
import { createIdentityCheck } from '../../src/cameras/identity.ts';
import { createRelocator } from '../../src/cameras/relocate.ts';
import { probe } from '../../src/discovery/wsDiscoveryProbe.ts';
import { makeFixture, type Fixture } from './recordingFixture.ts';

export interface IdentityStage {
  simulator: Simulator;
  onvif: OnvifCamera[];
  fixture: Fixture;
  discoveryPort: number;
  stop(): Promise<void>;
}

export async function startIdentityStage(serialPrefix: string, discoveryPort: number): Promise<IdentityStage> {
  const simulator = await startSimulator({ cameras: 2, serialPrefix });
  const onvif = await attachOnvifToSimulator(simulator, { discoveryPort });
  const fixture = makeFixture([], { segmentSeconds: 4 });
  return {
    simulator,
    onvif,
    fixture,
    discoveryPort,
    stop: async () => {
      await simulator.stop();
      await Promise.all(onvif.map((o) => o.close()));
      fixture.cleanup();
    },
  };
}

/** Adopts every camera by its ONVIF address; a mismatch found by the identity check asks the relocator to follow the serial. */
export async function adoptWithRelocation(stage: IdentityStage): Promise<{ adopted: AdoptedCamera[]; identityCheck: ReturnType<typeof createIdentityCheck> }> {
  const { db, log } = stage.fixture;
  const adopted: AdoptedCamera[] = [];
  for (const [index, camera] of stage.simulator.cameras.entries()) {
    adopted.push(await adoptCamera({ onvifUrl: stage.onvif[index]!.service.url, ...camera.credentials, name: `Cam ${index}` }, { db, log, timeoutMs: 3000 }));
  }
  const relocator = createRelocator({ db, log, probe: () => probe({ interfaceAddresses: ['127.0.0.1'], timeoutMs: 1000, port: stage.discoveryPort }) });
  const identityCheck = createIdentityCheck({ db, log, timeoutMs: 2000, onMismatch: (id) => relocator.request(id) });
  return { adopted, identityCheck };
}
