/**
 * An H.265 camera made of GStreamer's RTSP server (gst-rtsp-server: an RTSP implementation
 * that is not Hearth's, with x265enc and rtph265pay as cameras ship them): a ball moving
 * over a test pattern with a ticking clock, on loopback only. Hearth's own simulator makes
 * only H.264. Uses Debian's /usr/bin/python3 (the pyenv python3 on PATH lacks gi). The
 * lead's test/helpers/gstCamera.ts covers many more variants; this one is all the H.265
 * playback tests need, kept here so they do not wait for it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

const server = String.raw`
import json, sys, threading
import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer
spec = json.loads(sys.argv[1])
Gst.init(None)
srv = GstRtspServer.RTSPServer()
srv.set_address("127.0.0.1")
srv.set_service("0")
encoders = {
    "h265": "x265enc tune=zerolatency speed-preset=ultrafast key-int-max=%(gop)d bitrate=%(kbps)d "
            "! video/x-h265,profile=main ! rtph265pay name=pay0 pt=96 config-interval=-1",
    "h264": "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=%(gop)d bitrate=%(kbps)d "
            "! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=-1",
}
for m in spec["mounts"]:
    f = GstRtspServer.RTSPMediaFactory()
    f.set_launch(
        ("( videotestsrc is-live=true pattern=ball background-color=0xff306090 "
         "! video/x-raw,width=%(width)d,height=%(height)d,framerate=%(fps)d/1,format=I420 "
         "! clockoverlay time-format=%%H:%%M:%%S halignment=left valignment=top shaded-background=true "
         "! " + encoders[m["codec"]] + " )") % m)
    # One encoder per mount shared by every client, as a camera's encoder is.
    f.set_shared(True)
    srv.get_mount_points().add_factory(m["path"], f)
if srv.attach(None) == 0:
    raise SystemExit("could not listen")
loop = GLib.MainLoop()
pool = srv.get_session_pool()
GLib.timeout_add_seconds(2, lambda: (pool.cleanup(), True)[1])
threading.Thread(target=lambda: (sys.stdin.read(), GLib.idle_add(loop.quit)), daemon=True).start()
print("READY %d" % srv.get_bound_port(), flush=True)
loop.run()
`;

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
  const child: ChildProcessWithoutNullStreams = spawn('/usr/bin/python3', ['-c', server, JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the GStreamer H.265 camera did not start within 20 s:\n${output}`)), 20_000);
    const onData = (d: Buffer): void => {
      output += d.toString();
      const match = /READY (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`the GStreamer H.265 camera exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `rtsp://127.0.0.1:${port}${spec.mounts[0]?.path ?? '/'}`,
    urlOf: (mount) => `rtsp://127.0.0.1:${port}${mount}`,
    async stop() {
      child.stdin.end(); // it quits when stdin closes
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await closed;
      clearTimeout(timer);
    },
  };
}
