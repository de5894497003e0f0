/** Every ffmpeg/ffprobe argument list Hearth runs, built as arrays (never strings). */

// ---- recording (src/recording/) ----

/** How the recorder treats the camera's audio: mp4 takes AAC/MP3/Opus but not G.711, so that is transcoded. */
export type RecorderAudioMode = 'copy' | 'aac' | 'none';

export interface RecorderArgsInput {
  /** rtsp://… for cameras; http://… (MPEG-TS) and local files (read at native rate, looped) for tests and demos. */
  inputUrl: string;
  /** Absolute strftime pattern of segment files, e.g. /data/recordings/porch/%Y-%m-%d/%Y%m%dT%H%M%SZ-r1a2.mp4 */
  segmentPattern: string;
  segmentSeconds: number;
  /** Where in each segment period this camera cuts, so cameras do not all rotate in the same second. */
  rotationOffsetSeconds: number;
  audio: RecorderAudioMode;
  /** RTSP socket timeout: a frozen camera (TCP open, no data) makes ffmpeg exit instead of hanging. */
  ioTimeoutSeconds: number;
  /** File descriptor the segment muxer writes its CSV list of finished segments to. */
  segmentListFd: number;
}

/** Longest live fragment (µs). Shorter means less latency but more appends per second in every viewer's browser. */
export const liveFragmentMicros = 500_000;

/**
 * One ffmpeg per camera main stream, two outputs from one RTSP connection (DESIGN.md
 * "One connection per camera stream"):
 *  1. `-c copy` into fragmented-MP4 segments cut on keyframes at wall-clock boundaries
 *     (+ a per-camera offset). Fragmented with an empty moov, a segment cut short by
 *     kill -9 or a power cut still plays up to its last complete fragment.
 *  2. the same packets as fragmented MP4 on stdout, for the live fan-out, in fragments of at
 *     most liveFragmentMicros (sub-GOP) so the live view runs well under a second behind.
 * Finished segments are announced as CSV lines on `segmentListFd`.
 */
export function recorderArgs(input: RecorderArgsInput): string[] {
  const timeoutMicros = String(Math.round(input.ioTimeoutSeconds * 1_000_000));
  const inputArgs = /^rtsps?:\/\//i.test(input.inputUrl)
    ? ['-rtsp_transport', 'tcp', '-timeout', timeoutMicros, '-i', input.inputUrl]
    : /^https?:\/\//i.test(input.inputUrl)
      ? ['-timeout', timeoutMicros, '-i', input.inputUrl]
      : ['-re', '-stream_loop', '-1', '-i', input.inputUrl];
  const audioArgs =
    input.audio === 'none' ? ['-an'] : input.audio === 'aac' ? ['-map', '0:a:0?', '-c:a', 'aac', '-b:a', '32k'] : ['-map', '0:a:0?', '-c:a', 'copy'];
  const fragmented = 'frag_keyframe+empty_moov+default_base_moof';
  return [
    '-hide_banner',
    '-nostdin',
    // "level" prefixes each line with [error]/[warning], which failure classification keys on.
    '-loglevel', 'level+warning',
    '-fflags', '+genpts',
    ...inputArgs,
    '-map', '0:v:0',
    '-c:v', 'copy',
    ...audioArgs,
    '-f', 'segment',
    '-segment_format', 'mp4',
    // flush_packets on the inner muxer: without it a kill -9 loses the whole 32 KB write
    // buffer (measured: a 7 s segment left 28 bytes). frag_duration bounds that loss to ~1 s.
    '-segment_format_options', `movflags=${fragmented}:flush_packets=1:frag_duration=1000000`,
    '-segment_time', String(input.segmentSeconds),
    '-segment_atclocktime', '1',
    '-segment_clocktime_offset', input.rotationOffsetSeconds.toFixed(3),
    '-segment_list', `pipe:${input.segmentListFd}`,
    '-segment_list_type', 'csv',
    '-strftime', '1',
    input.segmentPattern,
    '-map', '0:v:0',
    '-c:v', 'copy',
    '-an',
    '-f', 'mp4',
    '-movflags', fragmented,
    // A browser shows a frame only once its whole fragment is in: one fragment per GOP put
    // the live view ~2 s behind. A fragment still starts at every keyframe, and is cut after
    // liveFragmentMicros; LiveFeed hands late joiners the GOP so far from the keyframe on.
    '-frag_duration', String(liveFragmentMicros),
    '-flush_packets', '1',
    'pipe:1',
  ];
}

/** Duration and streams of one recorded segment file (reconcile, partial segments). */
export function segmentProbeArgs(file: string): string[] {
  return ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name', '-of', 'json', file];
}

// ---- motion (src/motion/) ----

export interface MotionFrameArgsInput {
  /** rtsp://… for cameras; `lavfi:<graph>` or a file path in tests and the bench. */
  inputUrl: string;
  fps: number;
  width: number;
  /** RTSP socket timeout: a frozen camera makes ffmpeg exit instead of hanging. */
  ioTimeoutSeconds: number;
  /** Non-RTSP inputs only: read at native rate (a stand-in for a live camera) instead of as fast as possible. */
  realtime?: boolean;
  /**
   * Non-RTSP inputs only (tests, the bench): decode once, as fast as possible, every frame
   * kept, so frame n is at n/fps of the input. Without it `+nobuffer` lets the fps filter
   * drop the first frames of a file (2 s of a 155 s MP4 here), which shifts stream time.
   */
  offline?: boolean;
}

function motionInputArgs(input: MotionFrameArgsInput): string[] {
  if (/^rtsps?:\/\//i.test(input.inputUrl)) {
    return ['-rtsp_transport', 'tcp', '-timeout', String(Math.round(input.ioTimeoutSeconds * 1_000_000)), '-i', input.inputUrl];
  }
  const pace = input.realtime ? ['-re'] : [];
  if (input.inputUrl.startsWith('lavfi:')) return [...pace, '-f', 'lavfi', '-i', input.inputUrl.slice('lavfi:'.length)];
  return [...pace, ...(input.realtime ? ['-stream_loop', '-1'] : []), '-i', input.inputUrl];
}

/**
 * The motion decoder: one camera stream (the sub stream where there is one) decoded at a
 * low rate and size into yuv420p Y4M on stdout. The detector reads the luma plane; the
 * chroma planes are kept only so a thumbnail can be made in colour without a second
 * connection to the camera. Y4M carries the frame size, so nothing is parsed from stderr.
 */
export function motionFrameArgs(input: MotionFrameArgsInput): string[] {
  return motionDecodeArgs(input, ['-f', 'yuv4mpegpipe', 'pipe:1']);
}

/** The same decode at the same rate and size, discarded: the CPU floor the motion bench compares against. */
export function motionDecodeFloorArgs(input: MotionFrameArgsInput): string[] {
  return motionDecodeArgs(input, ['-f', 'null', '-']);
}

/** One decode for both, so the bench's floor can never drift from what motion really runs. */
function motionDecodeArgs(input: MotionFrameArgsInput, output: string[]): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel', 'level+warning',
    ...(input.offline ? [] : ['-fflags', '+nobuffer']),
    ...motionInputArgs(input),
    '-map', '0:v:0',
    '-an',
    '-vf', `fps=${input.fps},scale=${input.width}:-2`,
    '-pix_fmt', 'yuv420p',
    ...output,
  ];
}

// ---- camera simulator (src/simulator/; owned by the simulator, see src/simulator/encoder.ts) ----

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

export interface SimulatorEncoderArgsInput {
  renderWidth: number;
  renderHeight: number;
  fps: number;
  /** Keyframe interval in frames (GOP); fixed, no scene-cut keyframes. */
  gopFrames: number;
  /** Background colour of the lavfi `color` source, e.g. "0x40604a". */
  background: string;
  /** Reads input 0 (video) and produces the labels named in `video`. */
  filterGraph: readonly FilterChain[];
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
    '-c:v', 'libx264',
    '-preset', 'ultrafast',
    '-tune', 'zerolatency',
    '-profile:v', 'baseline',
    '-pix_fmt', 'yuv420p',
    '-g', String(input.gopFrames),
    '-keyint_min', String(input.gopFrames),
    '-sc_threshold', '0',
    '-bf', '0',
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
    '-re', '-f', 'lavfi', '-i', `color=c=${input.background}:s=${input.renderWidth}x${input.renderHeight}:r=${input.fps}`,
    ...audioInput,
    '-filter_complex', serializeFilterGraph(input.filterGraph),
    ...videoArgs,
    ...audioArgs,
    '-sdp_file', input.sdpFile,
    '-progress', 'pipe:1',
    '-stats_period', '1',
  ];
}

export interface SimulatorClipArgsInput {
  renderWidth: number;
  renderHeight: number;
  fps: number;
  gopFrames: number;
  background: string;
  /** The scene graph of simulatorEncoderArgs; `keep` is encoded, every other output label is discarded. */
  filterGraph: readonly FilterChain[];
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
    '-f', 'lavfi', '-i', `color=c=${input.background}:s=${input.renderWidth}x${input.renderHeight}:r=${input.fps}`,
    '-filter_complex', serializeFilterGraph(input.filterGraph),
    '-map', `[${input.keep}]`,
    '-t', String(input.seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
    '-g', String(input.gopFrames), '-keyint_min', String(input.gopFrames), '-sc_threshold', '0', '-bf', '0',
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

// ---- the LAN server: export and snapshot (src/playback/) ----

/**
 * Export: the concat demuxer reads its file list on stdin (`pipe:0`, built from segment
 * rows by src/playback/exportVideo.ts) and stream-copies the video into one fragmented MP4
 * on stdout, so the download starts at once and needs no temporary file. No re-encoding.
 */
export function exportConcatArgs(): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel', 'level+error',
    '-protocol_whitelist', 'file,pipe',
    '-f', 'concat',
    '-safe', '0',
    '-i', 'pipe:0',
    '-map', '0:v:0',
    '-map', '0:a:0?',
    '-c', 'copy',
    '-f', 'mp4',
    '-movflags', 'frag_keyframe+empty_moov+default_base_moof',
    'pipe:1',
  ];
}

/** A JPEG of the last second of a recorded segment: the snapshot when no live frame source is wired. */
export function snapshotFromSegmentArgs(file: string): string[] {
  return ['-hide_banner', '-nostdin', '-loglevel', 'level+error', '-sseof', '-1', '-i', file, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'mjpeg', 'pipe:1'];
}
