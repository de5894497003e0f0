/**
 * An H.265 camera (with an H.264 sub stream where asked) for the playback tests: GStreamer's
 * RTSP server through test/helpers/gstCamera.ts, with x265enc/rtph265pay as cameras ship
 * them, a ball moving over a test pattern and a ticking clock. Hearth's own simulator makes
 * only H.264.
 */
import { startGstCamera } from './gstCamera.ts';

export interface RtspMount {
  /** e.g. "/h265"; the camera's URL is rtsp://127.0.0.1:PORT + path. */
  path: string;
  codec: 'h265' | 'h264';
  width: number;
  height: number;
  fps: number;
  gop: number;
  kbps: number;
}

export interface H265RtspCamera {
  /** URL of the first mount. */
  url: string;
  urlOf(path: string): string;
  stop(): Promise<void>;
}

/** One GStreamer RTSP server with these mounts (a camera's main and sub streams, or several cameras). */
export async function startH265RtspCamera(spec: { mounts: RtspMount[] }): Promise<H265RtspCamera> {
  const camera = await startGstCamera({
    mounts: spec.mounts.map((m) => ({ path: m.path, video: m.codec, width: m.width, height: m.height, fps: m.fps, gop: m.gop, kbps: m.kbps, clock: true, pattern: 'ball' })),
  });
  return {
    url: camera.url(spec.mounts[0]?.path ?? '/'),
    urlOf: (mount) => camera.url(mount),
    stop: () => camera.stop(),
  };
}
