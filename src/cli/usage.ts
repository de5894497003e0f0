/** The `--help` text: kept beside the commands it describes so it stays true. */
export const usage = `Hearth — a local-first network video recorder

Usage:
  hearth start  [--config FILE] [--data DIR] [--port N] [--host ADDR] [--no-discovery] [--demo]
  hearth discover [--timeout SECONDS] [--json] [--interface NAME]... [--config FILE] [--username U --password-stdin]
  hearth user add NAME --role admin|viewer --password-stdin [--config FILE] [--data DIR]
  hearth user grant NAME CAMERA_ID [--scope live|recordings|export] [--config FILE] [--data DIR]
  hearth user revoke NAME CAMERA_ID [--config FILE] [--data DIR]
  hearth doctor [--config FILE] [--data DIR] [--json]
  hearth simulate [--cameras N] [--host-base 127.0.10.1] [--username U] [--password P] [--scene NAME] [--audio]
                  [--no-discovery] [--json]
  hearth backup FILE [--config FILE] [--data DIR]
  hearth help | --help | --version

Commands:
  start      Record the configured and adopted cameras and serve the web UI on the LAN.
             With no config file it runs on embedded defaults: data in ./data, port 8080,
             ONVIF discovery on. --demo adds two simulated cameras on loopback (data in
             ./data-demo unless --data is given).
  discover   Probe the LAN for ONVIF cameras (WS-Discovery) and list what answers within
             --timeout (default 2 s). With --username and the password on stdin, each
             camera is also asked for its serial, model and streams (--json shows them).
  user       Manage accounts and which cameras a viewer may see (default scope: recordings).
  doctor     Check ffmpeg, the data disk, the database, the clock, the network and the object detector.
  backup     Copy the database (consistent while Hearth runs) to FILE and the config in use to
             FILE.config.yaml. See README "Backup and restore".
  simulate   Run simulated cameras (RTSP + ONVIF + WS-Discovery) on loopback for trying Hearth out.

Environment:
  HEARTH_CONFIG, HEARTH_DATA, HEARTH_PORT   stand for --config, --data, --port
  HEARTH_DISCOVERY=off                      same as --no-discovery
  HEARTH_LOG_LEVEL=debug|info|warn|error    log detail (default info)
  HEARTH_FFMPEG, HEARTH_FFPROBE             full paths when ffmpeg is not on PATH

Exit status is 0 on success, non-zero with a one-line reason on stderr otherwise.
`;
