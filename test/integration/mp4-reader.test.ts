/**
 * The one MP4 reader (src/mp4) on files real ffmpeg writes the way the recorder writes its
 * segments (segment muxer, movflags frag_keyframe+empty_moov+default_base_moof,
 * frag_duration 1 s, as in src/ffmpeg/args.ts recorderArgs): H.264 and H.265, each with
 * and without AAC, plus Opus. Codec strings are checked against ffprobe's profile and level,
 * every video sample's sync flag against ffprobe's keyframe list, and garbage, cut-off and
 * truncated input never throws.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ffmpegPathSync } from '../../src/ffmpeg/locate.ts';
import { fragmentStart, readInit, scanInit, segmentFacts, streamCodecs, topBoxes, trackDefaults, videoSamples, walkBoxes } from '../../src/mp4/index.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-mp4-reader-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const recorderMovflags = 'movflags=frag_keyframe+empty_moov+default_base_moof+skip_trailer:flush_packets=1:frag_duration=1000000';

interface Variant {
  name: string;
  video: string[];
  audio: string[] | null;
  /** Sample entry the recording carries. */
  entry: string;
}

const x265 = ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error:keyint=25:min-keyint=25:scenecut=0'];
const variants: Variant[] = [
  { name: 'h264', video: ['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-level', '3.1', '-g', '25', '-bf', '2'], audio: null, entry: 'avc1' },
  { name: 'h264-aac', video: ['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-level', '4.0', '-g', '25'], audio: ['-c:a', 'aac', '-b:a', '32k'], entry: 'avc1' },
  // Stream copy from a camera keeps ffmpeg's default tag for HEVC in MP4: hev1.
  { name: 'h265', video: x265, audio: null, entry: 'hev1' },
  { name: 'h265-aac', video: [...x265, '-tag:v', 'hvc1'], audio: ['-c:a', 'aac', '-b:a', '32k'], entry: 'hvc1' },
  { name: 'h264-opus', video: ['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'baseline', '-g', '25'], audio: ['-c:a', 'libopus', '-b:a', '24k'], entry: 'avc1' },
];

/** Records 6 s of test picture (+ tone) through the segment muxer into 3 s segments; returns the first segment file. */
function record(variant: Variant): string {
  const out = path.join(dir, variant.name);
  execFileSync('mkdir', ['-p', out]);
  const audioIn = variant.audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=6'] : [];
  execFileSync(ffmpegPathSync(), [
    '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=10:duration=6', ...audioIn,
    '-map', '0:v:0', ...(variant.audio ? ['-map', '1:a:0'] : []), '-pix_fmt', 'yuv420p', ...variant.video, ...(variant.audio ?? []),
    '-f', 'segment', '-segment_format', 'mp4', '-segment_format_options', recorderMovflags, '-segment_time', '3',
    path.join(out, 'seg-%03d.mp4'),
  ], { timeout: 120_000 });
  const files = readdirSync(out).filter((f) => f.endsWith('.mp4')).sort();
  assert.ok(files.length >= 2, `${variant.name}: segments written (${files.join(', ')})`);
  return path.join(out, files[0]!);
}

interface ProbedStream { codec_type: string; codec_name: string; codec_tag_string: string; profile?: string; level?: number; time_base: string }

function probeStreams(file: string): ProbedStream[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,codec_tag_string,profile,level,time_base', '-of', 'json', file], { encoding: 'utf8' });
  return (JSON.parse(out) as { streams: ProbedStream[] }).streams;
}

/** ffprobe's video packets in decode order: is each a keyframe, and its dts. */
function probeVideoPackets(file: string): Array<{ key: boolean; dts: number }> {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=dts,flags', '-of', 'json', file], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return (JSON.parse(out) as { packets: Array<{ dts: number; flags: string }> }).packets.map((p) => ({ key: p.flags.includes('K'), dts: p.dts }));
}

const h264ProfileIdc: Record<string, number> = { Baseline: 66, 'Constrained Baseline': 66, Main: 77, High: 100 };
const hex2 = (n: number) => n.toString(16).padStart(2, '0');

for (const variant of variants) {
  test(`${variant.name}: codec strings, tracks, init section and keyframes match ffprobe`, { timeout: 180_000 }, () => {
    const file = record(variant);
    const bytes = new Uint8Array(readFileSync(file));
    const streams = probeStreams(file);
    const probedVideo = streams.find((s) => s.codec_type === 'video')!;
    const probedAudio = streams.find((s) => s.codec_type === 'audio');

    const init = readInit(bytes);
    assert.ok(init, 'a moov');
    assert.ok(init.fragmented, 'mvex: the samples are in fragments');
    assert.deepEqual(init.tracks.map((t) => t.kind), streams.map((s) => s.codec_type), 'one track per ffprobe stream, same kinds');
    const video = init.tracks.find((t) => t.kind === 'video')!;
    assert.equal(video.sampleEntry, variant.entry);
    assert.equal(probedVideo.codec_tag_string, variant.entry, 'ffprobe sees the same sample entry');
    assert.equal(`1/${video.timescale}`, probedVideo.time_base, 'the video clock is mdhd\'s timescale');
    assert.equal(init.defaults.videoTrackId, video.id);

    const codec = video.codec!;
    if (variant.entry === 'avc1') {
      const idc = h264ProfileIdc[probedVideo.profile ?? ''];
      assert.ok(idc, `known H.264 profile ${probedVideo.profile}`);
      assert.match(codec, new RegExp(`^avc1\\.${hex2(idc)}[0-9a-f]{2}${hex2(probedVideo.level!)}$`), `${codec} says ${probedVideo.profile}@${probedVideo.level}`);
      assert.equal(init.videoName, 'H.264');
    } else {
      assert.equal(probedVideo.profile, 'Main');
      // hvc1.<profile space><profile idc>.<compatibility, reversed>.<tier><level idc>.<constraints>: Main is 1, compatible with 1 and 2 (6).
      assert.match(codec, new RegExp(`^${variant.entry}\\.1\\.6\\.L${probedVideo.level}(\\.[0-9A-F]{1,2})*$`), `${codec} says Main, level ${probedVideo.level}`);
      assert.equal(init.videoName, 'H.265');
    }
    if (probedAudio) {
      const audio = init.tracks.find((t) => t.kind === 'audio')!;
      if (probedAudio.codec_name === 'aac') assert.equal(audio.codec, probedAudio.profile === 'LC' ? 'mp4a.40.2' : audio.codec);
      else assert.equal(audio.codec, probedAudio.codec_name);
      assert.deepEqual(init.codecs, [codec, audio.codec], 'video first');
    } else {
      assert.deepEqual(init.codecs, [codec]);
    }
    assert.equal(init.mime, `video/mp4; codecs="${init.codecs.join(',')}"`);
    assert.deepEqual(streamCodecs(bytes)?.codecs, init.codecs, 'the live view reads the same');

    // The init section: where it ends, and what the bytes read so far say follows it.
    const whole = scanInit(bytes);
    assert.ok(whole.kind === 'fragmented' && whole.next === 'moof', `a moof follows the moov (${JSON.stringify(whole)})`);
    const initLength = whole.initLength;
    assert.deepEqual(readInit(bytes.subarray(0, initLength))?.codecs, init.codecs, 'ftyp+moov alone is a complete init segment');
    assert.deepEqual(scanInit(bytes.subarray(0, initLength), bytes.length), { kind: 'fragmented', initLength, next: 'past-read' }, 'the moof starts past the bytes read');
    assert.deepEqual(scanInit(bytes.subarray(0, initLength + 3), bytes.length), { kind: 'fragmented', initLength, next: 'past-read' });
    assert.deepEqual(scanInit(bytes.subarray(0, initLength + 20), bytes.length), { kind: 'fragmented', initLength, next: 'moof' }, 'a moof header seen, body cut by the read');
    assert.deepEqual(scanInit(bytes.subarray(0, initLength)), { kind: 'fragmented', initLength, next: 'end' }, 'a file that ends at its moov holds no media');
    assert.deepEqual(scanInit(bytes.subarray(0, initLength - 10), bytes.length), { kind: 'incomplete' });

    // Every video sample's sync flag against ffprobe's keyframes, and decode times against its dts.
    const samples = videoSamples(bytes, init.defaults);
    const packets = probeVideoPackets(file);
    assert.equal(samples.length, packets.length, 'as many video samples as ffprobe has packets');
    const ours = samples.flatMap((s) => (s.sync ? [s.index] : []));
    const theirs = packets.flatMap((p, i) => (p.key ? [i] : []));
    assert.deepEqual(ours, theirs, 'the same samples are keyframes');
    assert.ok(theirs.length >= 2, `a keyframe every 2.5 s: ${theirs.join(',')}`);
    assert.deepEqual(samples.map((s) => s.decodeTime! - samples[0]!.decodeTime!), packets.map((p) => p.dts - packets[0]!.dts), 'decode times follow ffprobe\'s dts');

    // Per fragment, as the live feed asks: the frag_duration cut makes fragments that start mid-GOP.
    const defaults = trackDefaults(bytes.subarray(0, initLength));
    const boxes = topBoxes(bytes);
    const starts: string[] = [];
    let sampleIndex = 0;
    for (const moof of boxes.filter((b) => b.type === 'moof')) {
      const fragment = bytes.subarray(moof.start, moof.end);
      const start = fragmentStart(fragment, defaults);
      starts.push(start);
      assert.equal(start === 'keyframe', samples[sampleIndex]!.sync, `fragment ${starts.length} starts as its first sample does`);
      sampleIndex += videoSamples(fragment, defaults).length;
    }
    assert.ok(starts.includes('keyframe') && starts.includes('delta'), `fragments starting both ways: ${starts.join(' ')}`);
    console.log(`mp4-reader ${variant.name}: ${init.codecs.join(',')} (ffprobe ${probedVideo.codec_tag_string} ${probedVideo.profile}@${probedVideo.level}${probedAudio ? `, ${probedAudio.codec_name} ${probedAudio.profile ?? ''}` : ''}); ` +
      `init ${initLength} B; ${samples.length} video samples, keyframes at ${ours.join(',')} = ffprobe's; fragments ${starts.map((x) => x[0]).join('')}`);

    const facts = segmentFacts(bytes)!;
    assert.equal(facts.mimeType, init.mime);
    assert.equal(facts.timescale, video.timescale);
    assert.equal(facts.firstDecodeSeconds, samples[0]!.decodeTime! / video.timescale!);
    const later = new Uint8Array(readFileSync(file.replace('seg-000', 'seg-001')));
    const laterInit = readInit(later)!;
    assert.equal(segmentFacts(later)!.firstDecodeSeconds, videoSamples(later, laterInit.defaults)[0]!.decodeTime! / video.timescale!, 'the next segment: its own first decode time');

    // Cut anywhere: never throws, and reads what is whole.
    for (let cut = 0; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 300))) {
      const part = bytes.subarray(0, cut);
      assert.doesNotThrow(() => {
        readInit(part);
        scanInit(part, bytes.length);
        videoSamples(part, init.defaults);
        fragmentStart(part.subarray(Math.min(cut, initLength)), defaults);
        segmentFacts(part);
      }, `cut at ${cut}`);
    }
    const half = bytes.subarray(0, Math.floor(bytes.length / 2));
    const halfSamples = videoSamples(half, init.defaults);
    assert.ok(halfSamples.length > 0 && halfSamples.length < samples.length, 'a segment cut in half reads up to its last whole fragment');
    assert.deepEqual(halfSamples.map((s) => s.sync), samples.slice(0, halfSamples.length).map((s) => s.sync));
  });
}

test('garbage never throws and reads as nothing', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let round = 0; round < 300; round += 1) {
    const junk = new Uint8Array(Math.floor(random() * 2000));
    for (let i = 0; i < junk.length; i += 1) junk[i] = Math.floor(random() * 256);
    // Plant plausible headers so the walker goes deep: sizes that lie, 64-bit sizes, nested moov/moof.
    if (junk.length > 40 && round % 2 === 0) junk.set([0, 0, 0, junk.length > 255 ? 255 : junk.length, 0x6d, 0x6f, 0x6f, round % 4 === 0 ? 0x76 : 0x66, 0, 0, 0, 1, 0x74, 0x72, 0x61, 0x6b]);
    assert.doesNotThrow(() => {
      readInit(junk);
      scanInit(junk, junk.length + 100);
      videoSamples(junk, trackDefaults(junk));
      fragmentStart(junk, trackDefaults(junk));
      segmentFacts(junk);
      streamCodecs(junk);
    }, `round ${round}`);
  }
  assert.equal(readInit(new TextEncoder().encode('not an mp4 at all, just text')), null);
  assert.equal(scanInit(new TextEncoder().encode('not an mp4 at all, just text')).kind, 'invalid');
  // A 64-bit size larger than the file, and a zero size (to the end), are bounded.
  const big = new Uint8Array([0, 0, 0, 1, 0x6d, 0x64, 0x61, 0x74, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.equal(walkBoxes(big, 0, big.length).stop, 'truncated');
  const toEnd = new Uint8Array([0, 0, 0, 0, 0x6d, 0x64, 0x61, 0x74, 1, 2, 3]);
  assert.deepEqual(walkBoxes(toEnd, 0, toEnd.length).boxes.map((b) => [b.type, b.end]), [['mdat', 11]]);
  assert.equal(walkBoxes(new Uint8Array([0, 0, 0, 3, 0x66, 0x72, 0x65, 0x65]), 0, 8).stop, 'malformed');
});
