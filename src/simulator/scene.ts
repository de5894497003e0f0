/**
 * The scripted synthetic scene a simulated camera films, and its ground truth: what moved
 * (or changed light) and when, in wall-clock ms, so the motion detector can be scored.
 *
 * The scene is rendered once at 640x360 (the sub stream size) and scaled up for the main
 * stream. Times in a script are seconds within one period; the script repeats every period.
 */
import type { FilterChain, FilterStep } from './ffmpegArgs.ts';
import {
  constantCellValues,
  frameCodeCellOrigin,
  frameCodeCellPx,
  frameCodeStrip,
  wallSecondsBits,
  wallSecondsCellIndex,
} from './frameCode.ts';

export const scenePresets = ['default', 'person', 'small', 'slow', 'brightness', 'ir', 'noise', 'still'] as const;
export type ScenePreset = (typeof scenePresets)[number];

export const sceneRender = { width: 640, height: 360, fps: 15, gopFrames: 30 } as const;
export const mainStreamSize = { width: 1280, height: 720 } as const;
export const serialFontFile = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';

/** Only objects are motion; light changes are listed so a scorer can count false events. */
export type MotionKind = 'person' | 'small' | 'slow';
export type GroundTruthKind = MotionKind | 'light' | 'ir';

/** A box crossing the frame horizontally, off-screen edge to off-screen edge. */
export interface MovingObject {
  kind: MotionKind;
  startSec: number;
  durationSec: number;
  widthPx: number;
  heightPx: number;
  /** Top edge, render pixels. */
  yPx: number;
  color: string;
  leftToRight: boolean;
}

/** A global brightness step (`eq` brightness, -1..1) held from start to end. */
export interface LightChange {
  startSec: number;
  endSec: number;
  brightness: number;
}

/** The day/night switch of a real camera: the picture turns greyscale. */
export interface IrSwitch {
  startSec: number;
  endSec: number;
}

export interface SceneScript {
  preset: ScenePreset;
  periodSec: number;
  /** Temporal sensor noise strength for the `noise` filter (0 = none). */
  noiseStrength: number;
  objects: readonly MovingObject[];
  lightChanges: readonly LightChange[];
  irSwitches: readonly IrSwitch[];
}

const periodSec = 120;
const person = (startSec: number, leftToRight = true): MovingObject => ({
  kind: 'person', startSec, durationSec: 8, widthPx: 30, heightPx: 80, yPx: 230, color: '0xc03030', leftToRight,
});
const small = (startSec: number): MovingObject => ({
  kind: 'small', startSec, durationSec: 6, widthPx: 12, heightPx: 12, yPx: 300, color: '0xe0e040', leftToRight: true,
});
const slow = (startSec: number): MovingObject => ({
  kind: 'slow', startSec, durationSec: 40, widthPx: 40, heightPx: 40, yPx: 150, color: '0x3050c0', leftToRight: false,
});

/** The named scenes the motion work scores against; each repeats every 120 s. */
export function sceneScript(preset: ScenePreset): SceneScript {
  const quiet: SceneScript = { preset, periodSec, noiseStrength: 0, objects: [], lightChanges: [], irSwitches: [] };
  switch (preset) {
    case 'default':
      return { ...quiet, objects: [person(20)] };
    case 'person':
      return { ...quiet, objects: [person(10), person(50, false), person(90)] };
    case 'small':
      return { ...quiet, objects: [small(15), small(60)] };
    case 'slow':
      return { ...quiet, objects: [slow(20)] };
    case 'brightness':
      return { ...quiet, lightChanges: [{ startSec: 30, endSec: 50, brightness: 0.25 }, { startSec: 80, endSec: 100, brightness: -0.2 }] };
    case 'ir':
      return { ...quiet, irSwitches: [{ startSec: 40, endSec: 80 }] };
    case 'noise':
      return { ...quiet, noiseStrength: 12, objects: [person(20)] };
    case 'still':
      return quiet;
  }
}

export interface SceneFilterInput {
  script: SceneScript;
  serial: string;
  cameraCode: number;
  /** Seconds into the script at ffmpeg's t=0 (non-zero after an encoder restart, so the scene continues). */
  phaseSec: number;
  /** Epoch seconds (mod 2^24, may be fractional) that ffmpeg's t=0 stands for; drives the burnt-in clock. */
  clockAtZeroSec: number;
}

/** Filter chains reading [0:v] (the background colour) and producing [main] (1280x720) and [sub] (640x360). */
export function sceneFilterGraph(input: SceneFilterInput): FilterChain[] {
  if (!/^[A-Za-z0-9._-]+$/.test(input.serial)) {
    throw new Error(`serial "${input.serial}" cannot be burnt in; use letters, digits, dot, dash and underscore only`);
  }
  const { script } = input;
  const tau = `mod(t+${input.phaseSec.toFixed(3)},${script.periodSec})`;
  const chains: FilterChain[] = [];

  let current = 'bg';
  chains.push({ inputs: ['0:v'], steps: staticBackground(), outputs: [current] });
  script.objects.forEach((object, i) => {
    const source = `obj${i}`;
    const next = `moved${i}`;
    chains.push({
      inputs: [],
      steps: [{ name: 'color', options: [['c', object.color], ['s', `${object.widthPx}x${object.heightPx}`], ['r', sceneRender.fps]] }],
      outputs: [source],
    });
    chains.push({ inputs: [current, source], steps: [objectOverlay(object, tau)], outputs: [next] });
    current = next;
  });

  const effects: FilterStep[] = [];
  if (script.noiseStrength > 0) effects.push({ name: 'noise', options: [['alls', script.noiseStrength], ['allf', 't']] });
  if (script.lightChanges.length > 0) {
    const brightness = script.lightChanges.reduceRight(
      (otherwise, c) => `if(between(${tau},${c.startSec},${c.endSec}),${c.brightness},${otherwise})`,
      '0',
    );
    effects.push({ name: 'eq', options: [['brightness', brightness], ['eval', 'frame']] });
  }
  for (const ir of script.irSwitches) {
    effects.push({ name: 'hue', options: [['s', 0], ['enable', `between(${tau},${ir.startSec},${ir.endSec})`]] });
  }
  // Drawn last so no effect reaches the code or the serial.
  const identity = [...frameCodeSteps(input.cameraCode, input.clockAtZeroSec), serialText(input.serial)];
  chains.push({ inputs: [current], steps: [...effects, ...identity, { name: 'split', options: [['outputs', 2]] }], outputs: ['toMain', 'sub'] });
  chains.push({
    inputs: ['toMain'],
    steps: [{ name: 'scale', options: [['w', mainStreamSize.width], ['h', mainStreamSize.height], ['flags', 'fast_bilinear']] }],
    outputs: ['main'],
  });
  return chains;
}

const box = (x: number, y: number, w: number, h: number, color: string, enable?: string): FilterStep => ({
  name: 'drawbox',
  options: [['x', x], ['y', y], ['w', w], ['h', h], ['color', color], ['t', 'fill'], ...(enable === undefined ? [] : [['enable', enable] as const])],
});

/** Not flat, so a detector cannot cheat on a uniform picture: a house, a door, windows, a hedge. */
function staticBackground(): FilterStep[] {
  return [
    box(0, 250, 640, 110, '0x3a5a30'), // lawn
    box(60, 140, 200, 130, '0x8a7a60'), // house wall
    box(80, 110, 160, 30, '0x6a3020'), // roof
    box(140, 200, 36, 70, '0x4a2a18'), // door
    box(80, 170, 40, 30, '0x9ab0c8'), // window
    box(200, 170, 40, 30, '0x9ab0c8'), // window
    box(420, 190, 170, 60, '0x2a4a22'), // hedge
    box(500, 90, 20, 100, '0x5a4030'), // post
  ];
}

function objectOverlay(object: MovingObject, tau: string): FilterStep {
  const travelPx = sceneRender.width + object.widthPx;
  const speed = (travelPx / object.durationSec).toFixed(3);
  const elapsed = `(${tau}-${object.startSec})`;
  const x = object.leftToRight ? `-${object.widthPx}+${elapsed}*${speed}` : `${sceneRender.width}-${elapsed}*${speed}`;
  return {
    name: 'overlay',
    options: [
      ['x', x],
      ['y', object.yPx],
      ['eval', 'frame'],
      ['enable', `between(${tau},${object.startSec},${object.startSec + object.durationSec})`],
    ],
  };
}

/** The strip of frameCode.ts: black background, constant cells, then one timed box per clock bit. */
function frameCodeSteps(cameraCode: number, clockAtZeroSec: number): FilterStep[] {
  const steps: FilterStep[] = [box(0, 0, frameCodeStrip.width, frameCodeStrip.height, 'black')];
  constantCellValues(cameraCode).forEach((white, index) => {
    if (!white) return;
    const { x, y } = frameCodeCellOrigin(index);
    steps.push(box(x, y, frameCodeCellPx, frameCodeCellPx, 'white'));
  });
  const clock = `(${clockAtZeroSec.toFixed(3)}+t)`;
  for (let bit = 0; bit < wallSecondsBits; bit += 1) {
    const { x, y } = frameCodeCellOrigin(wallSecondsCellIndex(bit));
    steps.push(box(x, y, frameCodeCellPx, frameCodeCellPx, 'white', `eq(mod(floor(${clock}/${2 ** bit}),2),1)`));
  }
  return steps;
}

function serialText(serial: string): FilterStep {
  return {
    name: 'drawtext',
    options: [
      ['fontfile', serialFontFile],
      ['expansion', 'none'],
      ['text', serial],
      ['x', 4],
      ['y', frameCodeStrip.height + 4],
      ['fontsize', 16],
      ['fontcolor', 'white'],
      ['box', 1],
      ['boxcolor', 'black'],
      ['boxborderw', 3],
    ],
  };
}

export interface GroundTruthInterval {
  kind: GroundTruthKind;
  startMs: number;
  endMs: number;
}

/** Every scripted interval of every period that starts before `untilMs`, in wall-clock ms (UTC). */
export function scriptIntervals(script: SceneScript, sceneStartedAtMs: number, untilMs: number): GroundTruthInterval[] {
  const periodMs = script.periodSec * 1000;
  const periods = Math.min(100_000, Math.max(0, Math.ceil((untilMs - sceneStartedAtMs) / periodMs)));
  const intervals: GroundTruthInterval[] = [];
  for (let k = 0; k < periods; k += 1) {
    const base = sceneStartedAtMs + k * periodMs;
    const at = (sec: number): number => Math.round(base + sec * 1000);
    for (const o of script.objects) intervals.push({ kind: o.kind, startMs: at(o.startSec), endMs: at(o.startSec + o.durationSec) });
    for (const c of script.lightChanges) intervals.push({ kind: 'light', startMs: at(c.startSec), endMs: at(c.endSec) });
    for (const s of script.irSwitches) intervals.push({ kind: 'ir', startMs: at(s.startSec), endMs: at(s.endSec) });
  }
  return intervals.filter((i) => i.startMs < untilMs).sort((a, b) => a.startMs - b.startMs);
}
