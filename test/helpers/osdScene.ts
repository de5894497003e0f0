/**
 * Camera-like footage for motion tests, made by real encoders: a textured yard, people
 * crossing on a script, nuisance changes between them (light steps, slow ramps, IR
 * switches to greyscale with their brightness jump, noise bursts), and a burnt-in
 * date/time OSD drawn by ffmpeg's drawtext from the stream's own clock, top-left as
 * cameras put it. Rendered with lavfi and encoded H.264 (libx264), so what the
 * detector sees went through a real encoder's blocks and ringing.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ffmpegPathSync } from '../../src/ffmpeg/locate.ts';
import type { TruthInterval } from './eventScore.ts';

export const sceneWidth = 640;
export const sceneHeight = 360;
const rate = 10;
const font = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';

export interface Crossing {
  startS: number;
  durationS: number;
  w: number;
  h: number;
  y: number;
  colour: string;
  /** Right to left instead of left to right. */
  reverse?: boolean;
  /** Goes in (a door) this many seconds after entering, instead of crossing the whole picture. */
  goesInAfterS?: number;
}

export interface Nuisance {
  kind: 'light' | 'ramp' | 'ir' | 'noise';
  startS: number;
  endS: number;
}

/** Where the OSD is drawn (pixels of the 640x360 picture) from `fromS` on. */
export interface OsdPlacement {
  fromS: number;
  x: number;
  y: number;
  /** Default 22 px (of 360): a camera's small OSD. */
  fontSize?: number;
}

export interface OsdSceneScript {
  seconds: number;
  crossings: Crossing[];
  nuisances: Nuisance[];
  osd: OsdPlacement[];
  /** The OSD's first second, as Unix seconds (default: 2025-12-01 23:59:40 UTC, so the date rolls over). */
  clockStartUnixS?: number;
  /** A news ticker scrolling right to left across the picture at row `y`. */
  ticker?: { y: number; speedPxPerS: number };
}

export interface RenderedScene {
  file: string;
  seconds: number;
  /** Crossings as 'person' intervals, nuisances by their kind (not motion for scoring). */
  truth: TruthInterval[];
}

/**
 * The script the acceptance test uses: 11 crossings, 26 s apart, and between each pair a
 * nuisance (light step, IR switch, slow ramp, noise burst in turn) more than the default
 * quiet time (8 s) after one crossing's end and before the next crossing, so a false event
 * can neither hide inside a true one nor reach the next.
 */
export function standardScript(): OsdSceneScript {
  const colours = ['red', 'white', 'navy', 'orange', 'black', 'yellow', 'green', 'purple', 'cyan', 'brown', 'pink'];
  const first = 10;
  const cycle = 26;
  const crossings: Crossing[] = colours.map((colour, i) => ({
    startS: first + i * cycle,
    durationS: 5,
    w: 46 + (i % 3) * 8,
    h: 120 + (i % 2) * 20,
    y: 150 + ((i * 37) % 70),
    colour,
    reverse: i % 2 === 1,
  }));
  const kinds: Array<Nuisance['kind']> = ['light', 'ir', 'ramp', 'noise'];
  const nuisances: Nuisance[] = [{ kind: 'light', startS: 4, endS: 4 }];
  for (let i = 0; i < colours.length; i++) {
    const kind = kinds[i % kinds.length]!;
    // The crossing ends at +5 and its event 8 s after its last motion: nuisances from +14.
    const at = first + i * cycle + 14;
    nuisances.push(kind === 'ramp' ? { kind, startS: at, endS: at + 3 } : kind === 'noise' ? { kind, startS: at, endS: at + 2 } : { kind, startS: at + 0.5, endS: at + 0.5 });
  }
  return { seconds: first + colours.length * cycle, crossings, nuisances, osd: [{ fromS: 0, x: 12, y: 10 }] };
}

function crossingX(c: Crossing): string {
  const travel = `(${sceneWidth}+${c.w})*(t-${c.startS})/${c.durationS}`;
  return c.reverse ? `'${sceneWidth}-${travel}'` : `'-${c.w}+${travel}'`;
}

/** Static texture: a grid, panels and stripes, so light changes touch edges as well as flat areas; `noise` levels of sensor noise. */
export function backdropGraph(seconds: number, noise: number): string {
  return (
    `color=c=0x4a5a68:s=${sceneWidth}x${sceneHeight}:r=${rate}:d=${seconds},` +
    'drawgrid=w=48:h=48:t=2:c=0xc8c8b4@0.6,' +
    'drawbox=x=40:y=200:w=180:h=120:c=0x2c3a20:t=fill,' +
    'drawbox=x=420:y=60:w=160:h=90:c=0xd0c090:t=fill,' +
    'drawbox=x=300:y=240:w=90:h=100:c=0x803020:t=fill,' +
    `noise=alls=${noise}:allf=t`
  );
}

/** Each crossing overlaid on the picture labelled `[bg0]`, in turn; the result is labelled `[bgN]` (N crossings). */
export function crossingsGraph(crossings: Crossing[]): string {
  return crossings
    .map(
      (c, i) =>
        `;color=c=${c.colour}:s=${c.w}x${c.h}:r=${rate}[o${i}]` +
        `;[bg${i}][o${i}]overlay=x=${crossingX(c)}:y=${c.y}:enable='between(t,${c.startS},${c.startS + (c.goesInAfterS ?? c.durationS)})':shortest=0:eof_action=pass[bg${i + 1}]`,
    )
    .join('');
}

/** The lavfi graph of a script; `textFile` holds the drawtext text (written by `renderScene`). */
export function sceneGraph(script: OsdSceneScript, textFile: string): string {
  const s = script.seconds;
  let graph = `${backdropGraph(s, 6)}[bg0]${crossingsGraph(script.crossings)}`;
  graph += `;[bg${script.crossings.length}]`;
  // Light: each step toggles a brightness offset; a ramp adds a slow rise and fall.
  const steps = script.nuisances.filter((n) => n.kind === 'light').map((n) => `gte(t,${n.startS})`);
  const ramps = script.nuisances.filter((n) => n.kind === 'ramp').map((n) => `0.14*between(t,${n.startS},${n.endS})*sin(PI*(t-${n.startS})/${n.endS - n.startS})`);
  const brightness = [steps.length ? `0.12*(mod(${steps.join('+')},2)*2-1)` : '0', ...ramps].join('+');
  graph += `eq=brightness='${brightness}':eval=frame`;
  // IR: each switch toggles greyscale with the contrast and brightness jump IR mode brings.
  const irSwitches = script.nuisances.filter((n) => n.kind === 'ir').map((n) => `gte(t,${n.startS})`);
  if (irSwitches.length) {
    const inIr = `eq(mod(${irSwitches.join('+')},2),1)`;
    graph += `,hue=s=0:enable='${inIr}',eq=contrast=1.35:brightness=0.1:enable='${inIr}'`;
  }
  for (const n of script.nuisances.filter((x) => x.kind === 'noise')) graph += `,noise=alls=40:allf=t:enable='between(t,${n.startS},${n.endS})'`;
  // The OSD is drawn after the sensor's changes, as cameras do: IR and light never touch it.
  script.osd.forEach((placement, i) => {
    const until = script.osd[i + 1]?.fromS ?? s + 1;
    graph +=
      `,drawtext=fontfile=${font}:textfile=${textFile}:x=${placement.x}:y=${placement.y}:fontsize=${placement.fontSize ?? 22}:fontcolor=white:borderw=2:bordercolor=black` +
      `:enable='between(t,${placement.fromS},${until - 0.001})'`;
  });
  if (script.ticker) {
    const tickerFile = textFile.replace(/clock\.txt$/, 'ticker.txt');
    graph +=
      `,drawtext=fontfile=${font}:textfile=${tickerFile}:x='w-mod(t*${script.ticker.speedPxPerS}\\,w+tw)':y=${script.ticker.y}` +
      ':fontsize=20:fontcolor=white:box=1:boxcolor=black@0.6';
  }
  return graph;
}

export function sceneTruth(script: OsdSceneScript): TruthInterval[] {
  return [
    ...script.crossings.map((c) => ({ kind: 'person', startMs: c.startS * 1000, endMs: (c.startS + c.durationS) * 1000 })),
    ...script.nuisances.map((n) => ({ kind: n.kind === 'ramp' ? 'light' : n.kind, startMs: n.startS * 1000, endMs: n.endS * 1000 + 200 })),
  ];
}

/** Renders and encodes the script to `dir/name.mp4` (H.264, 2 s GOP), bounded in time. */
export async function renderScene(script: OsdSceneScript, dir: string, name: string, timeoutMs = 120_000): Promise<RenderedScene> {
  const textFile = path.join(dir, `${name}-clock.txt`);
  // drawtext expands %{pts:gmtime:OFFSET:FORMAT} from each frame's timestamp; ':' inside the format is escaped.
  writeFileSync(textFile, `%{pts:gmtime:${script.clockStartUnixS ?? 1764633580}:%Y-%m-%d %H\\:%M\\:%S}`);
  writeFileSync(textFile.replace(/clock\.txt$/, 'ticker.txt'), 'Breaking: local news scrolling across the picture +++ weather: rain later +++ ');
  const file = path.join(dir, `${name}.mp4`);
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', sceneGraph(script, textFile),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(rate * 2), '-pix_fmt', 'yuv420p', '-b:v', '900k',
    file,
  ];
  const child = spawn(ffmpegPathSync(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  clearTimeout(timer);
  if (code !== 0) throw new Error(`rendering the ${name} scene failed (ffmpeg exit ${code}): ${stderr}`);
  return { file, seconds: script.seconds, truth: sceneTruth(script) };
}
