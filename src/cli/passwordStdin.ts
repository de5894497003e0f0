/** Reads a password from standard input (never argv, where `ps` shows it to every user). */
import { UsageError } from './errors.ts';

const maxStdinBytes = 4096;

/** The password without its trailing newline; bounded so a stray pipe cannot fill memory. */
export async function readPasswordStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password: ');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxStdinBytes) throw new UsageError('the password on standard input is longer than 4 KiB');
    chunks.push(buffer);
    if (process.stdin.isTTY && buffer.includes(10)) break;
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
