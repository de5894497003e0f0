/**
 * An H.265 camera that is not Hearth's simulator: GStreamer's RTSP server (gst-rtsp-server
 * through python3-gi) encoding a test picture with x265enc, on loopback. Debian's
 * /usr/bin/python3 has gi; the pyenv python3 on PATH does not. One shared media pipeline,
 * so the recorder's one connection is all it serves.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface GstCamera {
  url: string;
  stop(): Promise<void>;
}

const serverScript = `
import sys, gi
gi.require_version('Gst', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import Gst, GstRtspServer, GLib
Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address('127.0.0.1')
server.set_service('0')
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(sys.argv[1])
factory.set_shared(True)
server.get_mount_points().add_factory('/h265', factory)
server.attach(None)
print(server.get_bound_port(), flush=True)
GLib.MainLoop().run()
`;

/** 320x180 at 10 fps, a keyframe every 2 s, Main profile. */
const h265Pipeline =
  '( videotestsrc is-live=true pattern=smpte ! video/x-raw,width=320,height=180,framerate=10/1 ! ' +
  'x265enc tune=zerolatency speed-preset=ultrafast key-int-max=20 bitrate=300 ! video/x-h265,profile=main ! ' +
  'h265parse config-interval=-1 ! rtph265pay name=pay0 pt=96 config-interval=-1 )';

export async function startGstH265Camera(timeoutMs = 20_000): Promise<GstCamera> {
  const child: ChildProcess = spawn('/usr/bin/python3', ['-c', serverScript, h265Pipeline], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`GStreamer's RTSP server did not start in ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    child.stdout!.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      const n = Number.parseInt(chunk.toString(), 10);
      if (Number.isInteger(n) && n > 0) resolve(n);
      else reject(new Error(`GStreamer's RTSP server printed no port: ${chunk.toString()} ${stderr}`));
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`GStreamer's RTSP server exited (${code}): ${stderr}`))));
  });
  return {
    url: `rtsp://127.0.0.1:${port}/h265`,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
