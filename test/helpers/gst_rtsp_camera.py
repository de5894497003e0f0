#!/usr/bin/python3
"""A camera made of GStreamer's RTSP server (gst-rtsp-server), not of Hearth's own code.

Hearth's simulator was written beside Hearth and shares its blind spots; this one is an
independent RTSP implementation with the encoders, payloaders, auth and transports that
real cameras use. Started by test/helpers/gstCamera.ts with one JSON argument:

  {"host": "127.0.0.1", "port": 0 | N, "auth": "none" | "basic" | "digest",
   "user": "admin", "password": "secret",
   "mounts": [{"path": "/h265", "video": "h264" | "h265", "width": 320, "height": 240,
     "fps": 10, "gop": 20, "bframes": 0, "kbps": 300,
     "audio": "none" | "pcmu" | "pcma" | "aac" | "g726" | "opus",
     "clock": true, "transport": "any" | "udp" | "tcp"}]}

Prints one line `READY <port>` once it listens, then one line per client request
(`REQ <method> <path>`), and exits when its stdin closes (the test process went away).
Binds only the host it is given (loopback in every test).
"""
import json
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def video_branch(m):
    width, height, fps = m.get("width", 320), m.get("height", 240), m.get("fps", 10)
    gop = m.get("gop", 2 * fps)
    bframes = m.get("bframes", 0)
    # A moving ball on a textured background: real motion, cheap to encode.
    if m.get("file"):
        # Real footage, decoded and paced at its own rate (the RTSP media runs on the pipeline clock).
        src = (
            f"filesrc location={m['file']} ! decodebin ! videoconvert ! videoscale ! videorate "
            f"! video/x-raw,width={width},height={height},framerate={fps}/1,format=I420"
        )
    else:
        src = (
            f"videotestsrc is-live=true pattern={m.get('pattern', 'ball')} "
            f"! video/x-raw,width={width},height={height},framerate={fps}/1,format=I420"
        )
    if m.get("clock", False):
        # The OSD that nearly every camera ships with on: date and time, top left, ticking.
        src += (
            ' ! clockoverlay time-format="%Y-%m-%d %H:%M:%S" halignment=left valignment=top '
            'shaded-background=true font-desc="Sans Bold 12"'
        )
    codec = m.get("video", "h264")
    if codec == "h264":
        enc = (
            f"x264enc tune={'zerolatency' if bframes == 0 else 'fastdecode'} speed-preset=ultrafast "
            f"key-int-max={gop} bframes={bframes} b-adapt=false bitrate={m.get('kbps', 300)} "
            f"! video/x-h264,profile={'baseline' if bframes == 0 else 'main'} "
            "! rtph264pay name=pay0 pt=96 config-interval=-1"
        )
    elif codec == "h265":
        enc = (
            f"x265enc tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate={m.get('kbps', 300)} "
            "! video/x-h265,profile=main ! rtph265pay name=pay0 pt=96 config-interval=-1"
        )
    else:
        raise SystemExit(f"unknown video codec {codec!r}")
    return f"{src} ! {enc}"


def audio_branch(m):
    audio = m.get("audio", "none")
    if audio == "none":
        return ""
    tone = "audiotestsrc is-live=true wave=sine freq=440 volume=0.1"
    if audio == "pcmu":
        return f"{tone} ! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay name=pay1 pt=0"
    if audio == "pcma":
        return f"{tone} ! audio/x-raw,rate=8000,channels=1 ! alawenc ! rtppcmapay name=pay1 pt=8"
    if audio == "aac":
        return (
            f"{tone} ! audio/x-raw,rate=16000,channels=1 ! audioconvert ! avenc_aac bitrate=32000 "
            "! aacparse ! rtpmp4gpay name=pay1 pt=97"
        )
    if audio == "g726":
        return f"{tone} ! audio/x-raw,rate=8000,channels=1 ! avenc_g726 bitrate=32000 ! rtpg726pay name=pay1 pt=98"
    if audio == "opus":
        return f"{tone} ! audio/x-raw,rate=48000,channels=1 ! opusenc bitrate=24000 ! rtpopuspay name=pay1 pt=99"
    raise SystemExit(f"unknown audio codec {audio!r}")


def main():
    spec = json.loads(sys.argv[1])
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(spec.get("host", "127.0.0.1"))
    server.set_service(str(spec.get("port", 0)))
    mounts = server.get_mount_points()
    kind = spec.get("auth", "none")
    if kind not in ("none", "basic", "digest"):
        raise SystemExit(f"unknown auth {kind!r}")
    if kind != "none":
        # One account for the whole camera, offered with only the method asked for:
        # a Digest-only camera refuses Basic and the other way round.
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "user")
        if kind == "basic":
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(spec["user"], spec["password"]), token)
        else:
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
            auth.add_digest(spec["user"], spec["password"], token)
        server.set_auth(auth)
    for m in spec["mounts"]:
        launch = f"( {video_branch(m)} {audio_branch(m)} )"
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(launch)
        # One encoder per mount shared by every client, as a camera's encoder is.
        factory.set_shared(True)
        if m.get("transport") == "udp":
            factory.set_protocols(GstRtsp.RTSPLowerTrans.UDP)
        elif m.get("transport") == "tcp":
            factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP)
        if kind != "none":
            perms = GstRtspServer.RTSPPermissions()
            perms.add_permission_for_role("user", "media.factory.access", True)
            perms.add_permission_for_role("user", "media.factory.construct", True)
            factory.set_permissions(perms)
        mounts.add_factory(m["path"], factory)

    def on_client(_server, client):
        def on_request(_client, ctx, method):
            try:
                print(f"REQ {method} {ctx.uri.abspath if ctx.uri else '?'}", flush=True)
            except Exception as error:  # noqa: BLE001 - logging a request must never break serving it
                print(f"REQ {method} ? ({error})", flush=True)

        for signal in ("describe-request", "setup-request", "play-request", "teardown-request"):
            client.connect(signal, on_request, signal.split("-")[0].upper())

    server.connect("client-connected", on_client)
    if server.attach(None) == 0:
        raise SystemExit("could not listen")
    loop = GLib.MainLoop()
    # Clean up sessions that clients left without TEARDOWN (as a camera does).
    pool = server.get_session_pool()
    GLib.timeout_add_seconds(2, lambda: (pool.cleanup(), True)[1])

    def watch_stdin():
        sys.stdin.read()
        GLib.idle_add(loop.quit)

    threading.Thread(target=watch_stdin, daemon=True).start()
    print(f"READY {server.get_bound_port()}", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
