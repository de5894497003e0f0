/**
 * A stand-in for systemd's notification socket: a real AF_UNIX SOCK_DGRAM socket (Node has
 * none, so a small python3 child owns it) that records every datagram. It closes the file
 * descriptors that `systemd-notify` passes with BARRIER=1, which is what lets that command
 * return, exactly as systemd does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

const listener = String.raw`
import os, socket, sys, array
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
sock.settimeout(float(sys.argv[2]))
print("bound", flush=True)
while True:
    try:
        data, ancdata, flags, addr = sock.recvmsg(4096, socket.CMSG_SPACE(16 * 4))
    except socket.timeout:
        break
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
            for fd in fds:
                os.close(fd)
    print("msg " + data.decode("utf-8", "replace").replace("\n", "|"), flush=True)
`;

export function python3(): string {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

export interface NotifySocket {
  path: string;
  /** Every datagram so far, newlines inside one shown as "|". */
  messages(): string[];
  close(): Promise<void>;
}

/** Binds `socketPath`; the listener exits by itself after `idleSeconds` without a message. */
export async function startNotifySocket(socketPath: string, idleSeconds = 120): Promise<NotifySocket> {
  const child: ChildProcess = spawn(python3(), ['-c', listener, socketPath, String(idleSeconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  let buffered = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`notify socket listener did not start: ${stderr}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line === 'bound') {
          clearTimeout(timer);
          resolve();
        } else if (line.startsWith('msg ')) lines.push(line.slice(4));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`notify socket listener exited: ${stderr}`));
    });
  });
  return {
    path: socketPath,
    messages: () => [...lines],
    close: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
