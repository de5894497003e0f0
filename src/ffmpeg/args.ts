/**
 * Every ffmpeg/ffprobe argument list Hearth runs, built as arrays (never strings). The
 * simulator's own encoders (test cameras, not Hearth) keep theirs in src/simulator/ffmpegArgs.ts.
 */

// ---- recording (src/recording/) ----

/** How the recorder treats the camera's audio: mp4 takes AAC/MP3/Opus but not G.711, so that is transcoded. */
export type RecorderAudioMode = 'copy' | 'aac' | 'none';

/** Bitrate of the AAC that G.711/G.726 audio becomes: voice from an 8 kHz camera microphone needs no more. */
export const transcodedAudioKbps = 24;

/**
 * How ffmpeg opens a camera's RTSP URL. TCP first (no lost packets, no UDP ports to open),
 * and UDP when the camera refuses TCP with "461 Unsupported transport": some cameras and
 * their RTSP servers only do RTP over UDP. `-timeout` bounds a frozen camera.
 */
export function rtspInputArgs(url: string, ioTimeoutSeconds: number): string[] {
  return ['-rtsp_flags', 'prefer_tcp', '-timeout', String(Math.round(ioTimeoutSeconds * 1_000_000)), '-i', url];
}

export function isRtspUrl(url: string): boolean {
  return /^rtsps?:\/\//i.test(url);
}

export interface RecorderArgsInput {
  /** rtsp://… for cameras; http://… (MPEG-TS) and local files (read at native rate, looped) for tests and demos. */
  inputUrl: string;
  /** Absolute strftime pattern of segment files, e.g. /data/recordings/porch/%Y-%m-%d/%Y%m%dT%H%M%SZ-r1a2.mp4 */
  segmentPattern: string;
  segmentSeconds: number;
  /** Where in each segment period this camera cuts, so cameras do not all rotate in the same second. */
  rotationOffsetSeconds: number;
  audio: RecorderAudioMode;
  /** The stream's video codec as ffprobe names it ("h264", "hevc"), when known. */
  videoCodec?: string | null;
  /** RTSP socket timeout: a frozen camera (TCP open, no data) makes ffmpeg exit instead of hanging. */
  ioTimeoutSeconds: number;
  /** File descriptor the segment muxer writes its CSV list of finished segments to. */
  segmentListFd: number;
}

/** Longest live fragment (µs). Shorter means less latency but more appends per second in every viewer's browser. */
export const liveFragmentMicros = 500_000;

/**
 * One ffmpeg per camera main stream, two outputs from one RTSP connection (docs/DESIGN.md
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
  const inputArgs = isRtspUrl(input.inputUrl)
    ? rtspInputArgs(input.inputUrl, input.ioTimeoutSeconds)
    : /^https?:\/\//i.test(input.inputUrl)
      ? ['-timeout', timeoutMicros, '-i', input.inputUrl]
      : ['-re', '-stream_loop', '-1', '-i', input.inputUrl];
  // Mono at the camera's own rate: G.711 is 8 kHz voice, and AAC-LC holds 8 kHz as it is.
  const audioArgs =
    input.audio === 'none'
      ? ['-an']
      : input.audio === 'aac'
        ? ['-map', '0:a:0?', '-c:a', 'aac', '-ac', '1', '-b:a', `${transcodedAudioKbps}k`]
        : ['-map', '0:a:0?', '-c:a', 'copy'];
  const fragmented = 'frag_keyframe+empty_moov+default_base_moof';
  // H.265 as "hvc1", not ffmpeg's default "hev1": Safari (native HLS on iPhones) plays only hvc1.
  const videoTag = input.videoCodec === 'hevc' ? ['-tag:v', 'hvc1'] : [];
  return [
    '-hide_banner',
    '-nostdin',
    // "level" prefixes each line with [error]/[warning], which failure classification keys on.
    '-loglevel', 'level+warning',
    '-fflags', '+genpts',
    ...inputArgs,
    '-map', '0:v:0',
    '-c:v', 'copy',
    ...videoTag,
    ...audioArgs,
    '-f', 'segment',
    '-segment_format', 'mp4',
    // flush_packets on the inner muxer: without it a kill -9 loses the whole 32 KB write
    // buffer (measured: a 7 s segment left 28 bytes). frag_duration bounds that loss to ~1 s.
    // skip_trailer: no mfra index at the end (24 B/s, nothing reads it; a cut file has none).
    '-segment_format_options', `movflags=${fragmented}+skip_trailer:flush_packets=1:frag_duration=1000000`,
    '-segment_time', String(input.segmentSeconds),
    '-segment_atclocktime', '1',
    '-segment_clocktime_offset', input.rotationOffsetSeconds.toFixed(3),
    '-segment_list', `pipe:${input.segmentListFd}`,
    '-segment_list_type', 'csv',
    '-strftime', '1',
    input.segmentPattern,
    '-map', '0:v:0',
    '-c:v', 'copy',
    ...videoTag,
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

/**
 * What a camera's stream carries, asked before each recorder run: the codecs decide how
 * audio is recorded (copy or AAC). A short analysis: the codec names come from the SDP,
 * so this takes about a second, not a GOP.
 */
export function streamProbeArgs(url: string, ioTimeoutSeconds: number): string[] {
  const input = isRtspUrl(url)
    ? rtspInputArgs(url, ioTimeoutSeconds)
    : /^https?:\/\//i.test(url)
      ? ['-timeout', String(Math.round(ioTimeoutSeconds * 1_000_000)), '-i', url]
      : ['-i', url];
  return [
    '-hide_banner',
    '-loglevel', 'level+error',
    '-analyzeduration', '1000000',
    '-probesize', '500000',
    ...input,
    '-show_entries', 'stream=index,codec_type,codec_name,profile,width,height,sample_rate,channels',
    '-of', 'json',
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
  if (isRtspUrl(input.inputUrl)) return rtspInputArgs(input.inputUrl, input.ioTimeoutSeconds);
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

// ---- playback: H.264 for browsers that cannot decode H.265 (src/playback/h264Transcode.ts) ----

/** The transcode's output box: 720p keeps a Pi's encoder near real time and is plenty for a timeline. */
export const playbackMaxWidth = 1280;
export const playbackMaxHeight = 720;

export interface PlaybackH264ArgsInput {
  /** One recorded segment file, already resolved from its row inside the recording root. */
  inputFile: string;
  /** Where the fragmented MP4 is written (a partial name; the caller renames it when ffmpeg exits 0). */
  outputFile: string;
  /**
   * Decoder options placed before `-i`, e.g. ['-hwaccel', 'drm'] on a Raspberry Pi whose
   * ffmpeg has its HEVC block; [] decodes in software (x86 boxes without a GPU, this CI box).
   */
  hwDecode: readonly string[];
  maxWidth?: number;
  maxHeight?: number;
}

/**
 * One recorded H.265 segment into H.264 the browser's MSE takes: decode, shrink to fit
 * 1280x720 (never enlarged), libx264 ultrafast/zerolatency (no B-frames, no lookahead:
 * the cheapest CPU per frame x264 has), a keyframe every 2 s so fragments stay short.
 * The output is fragmented like the recorder's own segments (empty moov, moof+mdat), so
 * the timeline player places it exactly as it places a recorded segment. Video only: the
 * timeline player is muted, and the stream-copied export keeps the audio.
 */
export function playbackH264Args(input: PlaybackH264ArgsInput): string[] {
  const w = input.maxWidth ?? playbackMaxWidth;
  const h = input.maxHeight ?? playbackMaxHeight;
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel', 'level+error',
    ...input.hwDecode,
    '-i', input.inputFile,
    '-map', '0:v:0',
    '-an',
    '-sn',
    '-vf', `scale=w='min(${w},iw)':h='min(${h},ih)':force_original_aspect_ratio=decrease:force_divisible_by=2,format=yuv420p`,
    '-c:v', 'libx264',
    '-preset', 'ultrafast',
    '-tune', 'zerolatency',
    '-crf', '26',
    '-maxrate', '2500k',
    '-bufsize', '5000k',
    '-force_key_frames', 'expr:gte(t,n_forced*2)',
    '-f', 'mp4',
    '-movflags', 'frag_keyframe+empty_moov+default_base_moof',
    '-y',
    input.outputFile,
  ];
}
