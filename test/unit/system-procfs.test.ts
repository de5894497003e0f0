/** The one /proc parser: stat lines with awkward command names, status kB lines, children lists. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChildPids, parseProcStat, parseStatusKb, readCommandLine, readProcStat } from '../../src/system/procFs.ts';

// A real line shape (Linux 6.x, 52 fields) whose command holds a space and a ')'.
const statLine =
  '4242 (ff mpeg) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 75 30 20 20 0 3 0 987654 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n';

test('a stat line is read from its last parenthesis, so a command with spaces and ")" does not shift the fields', () => {
  const stat = parseProcStat(statLine);
  assert.equal(stat.state, 'S');
  assert.equal(stat.ownCpuMs, 3250); // (250 + 75) ticks at 100 Hz
  assert.equal(stat.reapedCpuMs, 500); // (30 + 20) ticks
  assert.equal(stat.startTicks, '987654');
  assert.equal(stat.rssBytes, 2048 * 4096);
});

test('text that is no stat line is refused with what it was', () => {
  assert.throws(() => parseProcStat('garbage'), /not a \/proc\/PID\/stat line: garbage/);
});

test('status kB lines by name; a missing one is null', () => {
  const status = 'Name:\tffmpeg\nVmHWM:\t   51200 kB\nVmRSS:\t   40960 kB\nThreads:\t3\n';
  assert.equal(parseStatusKb(status, 'VmRSS'), 40960);
  assert.equal(parseStatusKb(status, 'VmHWM'), 51200);
  assert.equal(parseStatusKb('Name:\tkthreadd\n', 'VmRSS'), null);
});

test('children lists, empty included', () => {
  assert.deepEqual(parseChildPids('101 102 205 \n'), [101, 102, 205]);
  assert.deepEqual(parseChildPids(''), []);
});

test('this process reads as alive and running; a pid that cannot exist reads as gone', () => {
  const self = readProcStat(process.pid);
  assert.ok(self, 'no /proc/PID/stat for this process');
  assert.match(self.state, /^[RS]$/);
  assert.ok(self.rssBytes > 0);
  assert.equal(readCommandLine(process.pid)?.at(-1), process.argv.at(-1), 'argv from /proc/PID/cmdline');
  assert.equal(readProcStat(2 ** 22 + 1), null); // above pid_max's ceiling
  assert.equal(readCommandLine(2 ** 22 + 1), null);
});
