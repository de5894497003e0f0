import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfigDocument } from '../../src/config/parse.ts';
import { loadConfig, ConfigError } from '../../src/config/load.ts';
import { readEnv } from '../../src/config/env.ts';
import { parse as parseYaml } from 'yaml';

function parseText(text: string) {
  return parseConfigDocument(parseYaml(text));
}

function errorOf(text: string): ConfigError {
  try {
    parseText(text);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the config to be rejected');
}

test('no config file gives the embedded defaults', () => {
  const config = loadConfig({}, {});
  assert.equal(config.http.port, 8080);
  assert.equal(config.http.host, '0.0.0.0');
  assert.equal(config.discovery.enabled, true);
  assert.equal(config.dataDir, path.resolve('./data'));
  assert.equal(config.sourceFile, null);
  assert.deepEqual(config.cameras, []);
});

test('the example config in config/ parses and has every documented key', () => {
  const config = loadConfig({ file: 'config/hearth.example.yaml' }, {});
  assert.equal(config.http.allowNonLan, false);
  assert.equal(config.mqtt?.topicPrefix, 'hearth');
  assert.equal(config.cameras[0]?.id, 'porch');
  assert.equal(config.cameras[0]?.retention.days, 30);
});

test('a typo in a key names the key path and suggests the right one', () => {
  const error = errorOf('http:\n  prot: 8081\n');
  assert.equal(error.keyPath, 'http.prot');
  assert.match(error.message, /unknown key; did you mean "port"\?/);
});

test('a wrong type names the key and what is valid', () => {
  const error = errorOf('http:\n  port: "eighty"\n');
  assert.equal(error.keyPath, 'http.port');
  assert.match(error.message, /whole number from 1 to 65535/);
  assert.match(errorOf('retention:\n  maxDiskPercent: 150\n').message, /retention.maxDiskPercent: expected a whole number from 1 to 99/);
  assert.match(errorOf('discovery:\n  enabled: yes please\n').message, /discovery.enabled: expected true or false/);
});

test('an invalid camera id is rejected with a suggestion', () => {
  const error = errorOf('cameras:\n  - id: Front Door\n    streams: { main: rtsp://10.0.0.2/s }\n');
  assert.equal(error.keyPath, 'cameras[0].id');
  assert.match(error.message, /for example "front-door"/);
});

test('duplicate camera ids, unknown camera keys and cameras without a source are rejected', () => {
  const twice = 'cameras:\n  - id: a\n    streams: { main: rtsp://10.0.0.2/s }\n  - id: a\n    streams: { main: rtsp://10.0.0.3/s }\n';
  assert.equal(errorOf(twice).keyPath, 'cameras[1].id');
  assert.equal(errorOf('cameras:\n  - id: a\n    stream: { main: rtsp://x/ }\n').keyPath, 'cameras[0].stream');
  assert.match(errorOf('cameras:\n  - id: a\n').message, /needs an "onvif:" section or "streams/);
  assert.match(errorOf('cameras:\n  - id: a\n    streams: { main: http://x/ }\n').message, /cameras\[0\]\.streams\.main: expected a rtsp: or rtsps: URL/);
});

test('flags beat environment beat file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-config-'));
  const file = path.join(dir, 'hearth.yaml');
  writeFileSync(file, 'http:\n  port: 9000\n  host: 127.0.0.1\n');
  assert.equal(loadConfig({ file }, {}).http.port, 9000);
  assert.equal(loadConfig({}, { HEARTH_CONFIG: file, HEARTH_PORT: '9100' }).http.port, 9100);
  assert.equal(loadConfig({ port: '9200' }, { HEARTH_CONFIG: file, HEARTH_PORT: '9100' }).http.port, 9200);
  assert.equal(loadConfig({}, { HEARTH_DATA: dir }).dataDir, dir);
  assert.throws(() => loadConfig({ port: 'x' }, {}), /--port: expected a port number/);
  assert.equal(loadConfig({ defaultDataDir: dir }, {}).dataDir, dir);
  assert.equal(loadConfig({ defaultDataDir: '/elsewhere' }, { HEARTH_DATA: dir }).dataDir, dir);
});

test('environment variables are parsed once, and a bad value names the variable and the fix', () => {
  assert.equal(loadConfig({}, { HEARTH_WSD_PORT: '13702' }).discovery.port, 13702);
  assert.equal(loadConfig({}, {}).discovery.port, undefined);
  assert.equal(loadConfig({}, { HEARTH_DISCOVERY: 'off' }).discovery.enabled, false);
  assert.equal(loadConfig({}, { HEARTH_DISCOVERY: 'on' }).discovery.enabled, true);
  assert.throws(() => loadConfig({}, { HEARTH_WSD_PORT: 'abc' }), /HEARTH_WSD_PORT: expected a port number from 1 to 65535, got "abc"; unset it/);
  assert.throws(() => loadConfig({}, { HEARTH_WSD_PORT: '0x50' }), /HEARTH_WSD_PORT/);
  assert.throws(() => loadConfig({}, { HEARTH_PORT: '80000' }), /HEARTH_PORT: expected a port number/);
  assert.throws(() => loadConfig({}, { HEARTH_DISCOVERY: 'no' }), /HEARTH_DISCOVERY: expected on or off, got "no"/);
  assert.throws(() => readEnv({ HEARTH_LOG_LEVEL: 'loud' }), /HEARTH_LOG_LEVEL: expected one of debug, info, warn, error/);
  assert.equal(readEnv({ HEARTH_ONVIF_WORKER: 'off', HEARTH_LOG_LEVEL: 'debug' }).onvifWorkerOff, true);
  assert.equal(readEnv({}).logLevel, 'info');
});

test('unreadable and malformed files name the file', () => {
  assert.throws(() => loadConfig({ file: '/nonexistent/hearth.yaml' }, {}), /cannot read \/nonexistent\/hearth.yaml: file not found/);
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-config-'));
  const file = path.join(dir, 'bad.yaml');
  writeFileSync(file, 'http:\n  port: 1\n   host: x\n');
  assert.throws(() => loadConfig({ file }, {}), (e: Error) => e instanceof ConfigError && e.message.includes(file) && /not valid YAML at line/.test(e.message));
  writeFileSync(file, 'cameras:\n  - id: ok\n    streams: { main: rtsp://10.0.0.2/s }\n    motoin: { enabled: false }\n');
  assert.throws(() => loadConfig({ file }, {}), (e: Error) => e.message.includes(file) && e.message.includes('cameras[0].motoin: unknown key; did you mean "motion"?'));
});

test('YAML alias bombs are refused', () => {
  const bomb = 'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n';
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-config-'));
  const file = path.join(dir, 'bomb.yaml');
  writeFileSync(file, bomb);
  assert.throws(() => loadConfig({ file }, {}), ConfigError);
});

test('objects: defaults, the example file, and each key validated with its path', () => {
  const defaults = parseText('');
  assert.deepEqual(defaults.objects, { enabled: true, fps: 2, threads: 1, queue: 4 });
  assert.equal(defaults.retention.labelledEventDays, 60);
  const example = loadConfig({ file: 'config/hearth.example.yaml' }, {});
  assert.deepEqual(example.objects, { enabled: true, fps: 2, threads: 1, queue: 4 });
  assert.equal(example.retention.labelledEventDays, 60);
  assert.deepEqual(example.cameras[0]?.objects, {
    enabled: true, alert: ['person', 'vehicle', 'animal'], minScore: 0.5,
    zones: [{ name: 'driveway', labels: ['person', 'vehicle'], x: 0.1, y: 0.5, w: 0.4, h: 0.5 }],
  });
  assert.deepEqual(example.cameras[1]?.objects, { enabled: true, alert: ['person', 'vehicle', 'animal'], minScore: 0.5, zones: [] }, 'a camera without the section gets the defaults');

  assert.deepEqual(parseText('objects:\n  fps: 0.5\n  threads: 2\n').objects, { enabled: true, fps: 0.5, threads: 2, queue: 4 });
  assert.equal(errorOf('objects:\n  fsp: 2\n').keyPath, 'objects.fsp');
  assert.match(errorOf('objects:\n  fsp: 2\n').message, /did you mean "fps"/);
  assert.match(errorOf('objects:\n  fps: 20\n').message, /objects.fps: expected a number from 0.2 to 10/);
  assert.match(errorOf('objects:\n  threads: 1.5\n').message, /objects.threads: expected a whole number from 1 to 8/);
  assert.match(errorOf('objects:\n  queue: 0\n').message, /objects.queue: expected a whole number from 1 to 64/);
});

test('retention.labelledEventDays defaults past eventDays and may not be shorter', () => {
  assert.equal(parseText('retention:\n  eventDays: 90\n').retention.labelledEventDays, 90);
  assert.equal(parseText('retention:\n  eventDays: 10\n').retention.labelledEventDays, 60);
  assert.equal(parseText('retention:\n  labelledEventDays: 365\n').retention.labelledEventDays, 365);
  const error = errorOf('retention:\n  eventDays: 30\n  labelledEventDays: 7\n');
  assert.equal(error.keyPath, 'retention.labelledEventDays');
  assert.match(error.message, /use 30 or more/);
});

test('camera objects: labels are kinds or kept labels, zones like masks, errors name the path', () => {
  const camera = (objects: string) => `cameras:\n  - id: a\n    streams: { main: rtsp://10.0.0.2/s }\n    objects:\n${objects}`;
  const parsed = parseText(camera('      alert: [person, dog, person]\n      minScore: 0.7\n      zones:\n        - { name: path, labels: [animal], x: 0, y: 0.5, w: 1, h: 0.5 }\n'));
  assert.deepEqual(parsed.cameras[0]?.objects, {
    enabled: true, alert: ['person', 'dog'], minScore: 0.7, zones: [{ name: 'path', labels: ['animal'], x: 0, y: 0.5, w: 1, h: 0.5 }],
  });
  assert.deepEqual(parseText(camera('      alert: []\n')).cameras[0]?.objects.alert, [], 'an empty alert list: labels, never alerts');

  const cup = errorOf(camera('      alert: [person, cup]\n'));
  assert.equal(cup.keyPath, 'cameras[0].objects.alert[1]');
  assert.match(cup.message, /"cup" is not a kind or label Hearth knows; use person, vehicle, animal, or a label: .*car/);
  assert.equal(errorOf(camera('      alerts: [person]\n')).keyPath, 'cameras[0].objects.alerts');
  assert.match(errorOf(camera('      minScore: 1\n')).message, /cameras\[0\]\.objects\.minScore: expected a number from 0.05 to 0.99/);
  assert.match(errorOf(camera('      zones:\n        - { name: z, labels: [], x: 0, y: 0, w: 1, h: 1 }\n')).message, /zones\[0\]\.labels: name at least one kind or label/);
  assert.match(errorOf(camera('      zones:\n        - { labels: [person], x: 0, y: 0, w: 1, h: 1 }\n')).message, /zones\[0\]\.name: is required/);
  assert.match(errorOf(camera('      zones:\n        - { name: z, labels: [person], x: 0.5, y: 0, w: 0.6, h: 1 }\n')).message, /zones\[0\]: the rectangle reaches past the edge/);
  assert.equal(errorOf(camera('      zones:\n        - { name: z, labels: [person], x: 0, y: 0, w: 1, h: 1, colour: red }\n')).keyPath, 'cameras[0].objects.zones[0].colour');
  const twice = errorOf(camera('      zones:\n        - { name: z, labels: [person], x: 0, y: 0, w: 1, h: 1 }\n        - { name: z, labels: [car], x: 0, y: 0, w: 1, h: 1 }\n'));
  assert.equal(twice.keyPath, 'cameras[0].objects.zones[1].name');
});
