/**
 * Scripted lavfi scenes with their ground truth, for when no simulator camera is at hand
 * (and for long light/noise runs decoded faster than real time). A textured backdrop, a
 * little sensor noise everywhere, and per scene: objects crossing, brightness steps,
 * an IR-style switch to greyscale, or heavy noise.
 */
import type { TruthInterval } from '../test/helpers/eventScore.ts';
import { backdropGraph, crossingsGraph, type Crossing as OsdCrossing } from '../test/helpers/osdScene.ts';

export interface LavfiScene {
  name: string;
  description: string;
  /** `lavfi:<graph>` for motionFrameArgs. */
  inputUrl: string;
  durationMs: number;
  truth: TruthInterval[];
}

type Crossing = OsdCrossing & { kind: string };

/** Each object enters at the left edge at startS and has left the right edge at startS+durationS. */
function withCrossings(base: string, crossings: Crossing[]): { graph: string; truth: TruthInterval[] } {
  const graph = `${base}[bg0]${crossingsGraph(crossings)}`.replace(/\[bg(\d+)\]$/, '');
  const truth = crossings.map((c) => ({ kind: c.kind, startMs: c.startS * 1000, endMs: (c.startS + c.durationS) * 1000 }));
  return { graph, truth };
}

function crossingScene(name: string, description: string, seconds: number, crossings: Crossing[], extra = ''): LavfiScene {
  const { graph, truth } = withCrossings(backdropGraph(seconds, 6), crossings);
  return { name, description, inputUrl: `lavfi:${graph}${extra}`, durationMs: seconds * 1000, truth };
}

const person = (startS: number, colour: string, y = 150): Crossing => ({ startS, durationS: 5, w: 50, h: 130, y, colour, kind: 'person' });

export function lavfiScenes(longSeconds = 600): LavfiScene[] {
  const steps = Math.floor(longSeconds / 15);
  const irPeriod = 60;
  return [
    crossingScene('person', 'person-sized box crossing in 5 s, 6 times', 120, [
      person(8, 'red'), person(28, 'white'), person(45, 'navy', 100), person(62, 'orange'), person(80, 'black', 200), person(100, 'yellow'),
    ]),
    crossingScene('small', '16×16 px object (at 640 px) crossing in 6 s, 6 times', 120,
      [8, 28, 45, 62, 80, 100].map((s, i) => ({ startS: s, durationS: 6, w: 16, h: 16, y: 80 + i * 30, colour: i % 2 ? 'white' : 'black', kind: 'small' }))),
    crossingScene('slow', 'person-sized box crossing in 25 s, 3 times', 120,
      [5, 40, 80].map((s, i) => ({ startS: s, durationS: 25, w: 50, h: 130, y: 120, colour: ['red', 'white', 'black'][i] ?? 'red', kind: 'person' }))),
    {
      name: 'brightness',
      description: `global brightness steps every 15 s and slow ramps, ${longSeconds} s, nothing moves`,
      inputUrl: `lavfi:${backdropGraph(longSeconds, 6)},eq=brightness='0.12*(mod(floor(t/15),3)-1)+0.08*sin(t/7)':eval=frame`,
      durationMs: longSeconds * 1000,
      truth: Array.from({ length: steps }, (_, i) => ({ kind: 'light', startMs: i * 15_000, endMs: i * 15_000 + 200 })),
    },
    {
      name: 'ir',
      description: `IR-style switch to greyscale with contrast/brightness jump every 30 s, ${longSeconds} s, nothing moves`,
      inputUrl:
        `lavfi:${backdropGraph(longSeconds, 6)},` +
        `hue=s=0:enable='lt(mod(t,${irPeriod}),${irPeriod / 2})',` +
        `eq=contrast=1.35:brightness=0.1:enable='lt(mod(t,${irPeriod}),${irPeriod / 2})'`,
      durationMs: longSeconds * 1000,
      truth: Array.from({ length: Math.floor(longSeconds / 30) }, (_, i) => ({ kind: 'ir', startMs: i * 30_000, endMs: i * 30_000 + 200 })),
    },
    crossingScene('ir-person', 'a person crossing while the camera is in IR (greyscale) mode', 60, [person(20, 'red'), person(40, 'white')],
      ",hue=s=0:enable='between(t,15,60)',eq=contrast=1.35:brightness=0.1:enable='between(t,15,60)'"),
    {
      name: 'noise',
      description: `heavy sensor noise (σ≈17 levels), ${longSeconds} s, nothing moves`,
      inputUrl: `lavfi:${backdropGraph(longSeconds, 30)}`,
      durationMs: longSeconds * 1000,
      truth: [],
    },
  ];
}
