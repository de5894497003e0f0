/**
 * The simulator's ffmpeg argument lists: its scene encoders, clip renders, loops and
 * snapshots. They belong to the test cameras, not to Hearth, so they live here and cannot
 * shape what Hearth runs against real cameras (src/ffmpeg/args.ts).
 */

/** One filter in a chain; option values are quoted here, so callers never concatenate filter strings. */
export interface FilterStep {
  name: string;
  options?: ReadonlyArray<readonly [string, string | number]>;
}

/** `[in1][in2]step,step,...[out]`: one chain of a -filter_complex graph. */
export interface FilterChain {
  inputs: readonly string[];
  steps: readonly FilterStep[];
  outputs: readonly string[];
}

/**
 * Joins chains into one -filter_complex argument. Values holding graph syntax (`,;[]` or
 * spaces) are single-quoted; a value that would need a second escaping level (a quote or
 * a colon) is refused rather than escaped wrongly.
 */
export function serializeFilterGraph(chains: readonly FilterChain[]): string {
  const label = (name: string): string => {
    if (!/^[A-Za-z0-9_:.]+$/.test(name)) throw new Error(`filter label "${name}" may only hold letters, digits, _ : .`);
    return `[${name}]`;
  };
  const value = (raw: string | number): string => {
    const text = String(raw);
    if (/[':\\]/.test(text)) throw new Error(`filter option value ${JSON.stringify(text)} holds ' : or \\, which this builder does not escape`);
    return /[,;[\]\s]/.test(text) ? `'${text}'` : text;
  };
  const step = (s: FilterStep): string =>
    s.options === undefined || s.options.length === 0 ? s.name : `${s.name}=${s.options.map(([k, v]) => `${k}=${value(v)}`).join(':')}`;
  return chains.map((c) => `${c.inputs.map(label).join('')}${c.steps.map(step).join(',')}${c.outputs.map(label).join('')}`).join(';');
}

export interface SimulatorRtpTarget {
  host: string;
  rtpPort: number;
  rtcpPort: number;
}

export interface SimulatorVideoOutput {
  /** Filter graph label this output encodes, e.g. "main". */
  label: string;
  bitrateKbps: number;
  target: SimulatorRtpTarget;
}

/** How a simulated camera's scene is rendered and encoded: shared by the live encoder and the loop clip. */
export interface SimulatorSceneRender {
  renderWidth: number;
  renderHeight: number;
  fps: number;
  /** Keyframe interval in frames (GOP); fixed, no scene-cut keyframes. */
  gopFrames: number;
  /** Background colour of the lavfi `color` source, e.g. "0x40604a". */
  background: string;
  /** Reads input 0 (video) and produces the output labels. */
  filterGraph: readonly FilterChain[];
}

/** The lavfi source the scene graph draws on. */
function sceneSource(input: SimulatorSceneRender): string {
  return `color=c=${input.background}:s=${input.renderWidth}x${input.renderHeight}:r=${input.fps}`;
}

/** libx264 as a cheap camera encodes: fast, no B-frames, a keyframe exactly every GOP. */
function sceneX264Args(gopFrames: number): string[] {
  return [
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
    '-g', String(gopFrames), '-keyint_min', String(gopFrames), '-sc_threshold', '0', '-bf', '0',
  ];
}

export interface SimulatorEncoderArgsInput extends SimulatorSceneRender {
  /** Each produces the label named in it from `filterGraph`. */
  video: readonly SimulatorVideoOutput[];
  /** A quiet sine tone as AAC; omit for no audio. */
  audio?: { toneHz: number; target: SimulatorRtpTarget };
  /** ffmpeg writes the SDP of all RTP outputs here once every encoder has started. */
  sdpFile: string;
}

/**
 * One ffmpeg per simulated camera: renders the scene once, encodes each video output with
 * libx264 (ultrafast, zerolatency, fixed GOP, SPS/PPS both in the SDP and before every IDR
 * so a client joining mid-stream can start) and sends each elementary stream as RTP to UDP
 * ports the simulator owns. `-re` paces the lavfi source at real time. Progress goes to
 * stdout: when the simulator dies without stopping it, the broken pipe ends ffmpeg too.
 */
export function simulatorEncoderArgs(input: SimulatorEncoderArgsInput): string[] {
  const rtpUrl = (t: SimulatorRtpTarget, packetSize: number): string =>
    `rtp://${t.host}:${t.rtpPort}?rtcpport=${t.rtcpPort}&pkt_size=${packetSize}`;
  const videoArgs = input.video.flatMap((v) => [
    '-map', `[${v.label}]`,
    ...sceneX264Args(input.gopFrames),
    '-b:v', `${v.bitrateKbps}k`,
    '-maxrate', `${Math.round(v.bitrateKbps * 1.5)}k`,
    '-bufsize', `${v.bitrateKbps * 2}k`,
    // Global header puts sprop-parameter-sets in the SDP; dump_extra repeats them in-band before each IDR.
    '-flags:v', '+global_header',
    '-bsf:v', 'dump_extra=freq=keyframe',
    '-f', 'rtp',
    rtpUrl(v.target, 1200),
  ]);
  const audioArgs =
    input.audio === undefined
      ? []
      : ['-map', '1:a', '-c:a', 'aac', '-b:a', '32k', '-ac', '1', '-f', 'rtp', rtpUrl(input.audio.target, 1200)];
  const audioInput =
    input.audio === undefined
      ? []
      : ['-re', '-f', 'lavfi', '-i', `sine=frequency=${input.audio.toneHz}:sample_rate=16000,volume=0.05`];
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel', 'level+warning',
    '-re', '-f', 'lavfi', '-i', sceneSource(input),
    ...audioInput,
    '-filter_complex', serializeFilterGraph(input.filterGraph),
    ...videoArgs,
    ...audioArgs,
    '-sdp_file', input.sdpFile,
    '-progress', 'pipe:1',
    '-stats_period', '1',
  ];
}

export interface SimulatorClipArgsInput extends SimulatorSceneRender {
  /** The scene graph's output label that is encoded; every label in `discard` is dropped. */
  keep: string;
  discard: readonly string[];
  bitrateKbps: number;
  seconds: number;
  /** An .mp4 file; SPS/PPS are repeated in-band at every keyframe, so a looped copy can be joined anywhere. */
  file: string;
}

/**
 * Renders a short clip of a simulated camera's scene once (the simulator's 'loop' media
 * mode): same encoder settings as simulatorEncoderArgs, as fast as the CPU allows.
 */
export function simulatorClipArgs(input: SimulatorClipArgsInput): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', sceneSource(input),
    '-filter_complex', serializeFilterGraph(input.filterGraph),
    '-map', `[${input.keep}]`,
    '-t', String(input.seconds),
    ...sceneX264Args(input.gopFrames),
    '-b:v', `${input.bitrateKbps}k`, '-x264-params', 'repeat-headers=1',
    '-f', 'mp4', input.file,
    ...input.discard.flatMap((label) => ['-map', `[${label}]`, '-t', String(input.seconds), '-f', 'null', '-']),
  ];
}

/**
 * Sends a pre-rendered clip on an endless loop to each RTP target by stream copy, paced at
 * real time (`-re`): what a camera's encoder would send, for almost no CPU. Progress on
 * stdout as in simulatorEncoderArgs.
 */
export function simulatorLoopArgs(input: { clipFile: string; targets: readonly SimulatorRtpTarget[]; sdpFile: string }): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'level+warning',
    '-re', '-stream_loop', '-1', '-i', input.clipFile,
    ...input.targets.flatMap((t) => ['-map', '0:v', '-c:v', 'copy', '-f', 'rtp', `rtp://${t.host}:${t.rtpPort}?rtcpport=${t.rtcpPort}&pkt_size=1200`]),
    '-sdp_file', input.sdpFile,
    '-progress', 'pipe:1',
    '-stats_period', '1',
  ];
}

/** One JPEG from a simulated camera's own RTSP server (SimulatedCamera.snapshotJpeg). */
export function simulatorSnapshotArgs(rtspUrl: string, ioTimeoutSeconds: number): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-rtsp_transport', 'tcp',
    '-timeout', String(Math.round(ioTimeoutSeconds * 1_000_000)),
    '-i', rtspUrl,
    '-frames:v', '1',
    '-f', 'mjpeg',
    'pipe:1',
  ];
}
