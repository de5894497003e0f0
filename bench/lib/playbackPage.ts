/**
 * The tiny player page the playback bench loads in Chromium: from "play this point in the
 * past" to the first decoded frame, the way a timeline click would do it with MSE —
 * playlist, then the first segment's init and media byte ranges, append, play, and
 * requestVideoFrameCallback for the first frame presented. Plain JS in a string: it runs
 * in the page, not in Node.
 */
export const playbackPageHtml = `<!doctype html>
<meta charset="utf-8">
<title>hearth playback bench</title>
<body>
<script>
function firstSegment(text, base) {
  let map = null, range = null;
  for (const line of text.split('\\n')) {
    const m = /^#EXT-X-MAP:URI="([^"]+)"(?:,BYTERANGE="(\\d+)@(\\d+)")?/.exec(line);
    if (m && !map) map = { uri: new URL(m[1], base).href, len: m[2] ? Number(m[2]) : null, off: m[3] ? Number(m[3]) : 0 };
    const r = /^#EXT-X-BYTERANGE:(\\d+)@(\\d+)/.exec(line);
    if (r && !range) range = { len: Number(r[1]), off: Number(r[2]) };
    if (line && !line.startsWith('#')) return { map, range, uri: new URL(line, base).href };
  }
  throw new Error('playlist has no segment');
}
function avcCodec(init) {
  for (let i = 0; i + 8 < init.length; i++) {
    if (init[i] === 0x61 && init[i + 1] === 0x76 && init[i + 2] === 0x63 && init[i + 3] === 0x43) {
      const hex = (b) => b.toString(16).padStart(2, '0');
      return 'avc1.' + hex(init[i + 5]) + hex(init[i + 6]) + hex(init[i + 7]);
    }
  }
  return 'avc1.42c01e';
}
async function getRange(uri, len, off) {
  const headers = len === null ? {} : { Range: 'bytes=' + off + '-' + (off + len - 1) };
  const response = await fetch(uri, { headers, credentials: 'same-origin' });
  if (!response.ok) throw new Error(uri + ' answered ' + response.status);
  return response.arrayBuffer();
}
window.benchPlay = async function (playlistUrl) {
  const t0 = performance.now();
  const response = await fetch(playlistUrl, { credentials: 'same-origin' });
  if (!response.ok) throw new Error('playlist answered ' + response.status);
  const seg = firstSegment(await response.text(), location.href);
  const [init, media] = await Promise.all([
    seg.map ? getRange(seg.map.uri, seg.map.len, seg.map.off) : Promise.resolve(new ArrayBuffer(0)),
    getRange(seg.uri, seg.range ? seg.range.len : null, seg.range ? seg.range.off : 0),
  ]);
  const bytesAt = performance.now();
  const codec = avcCodec(new Uint8Array(init.byteLength ? init : media));
  const video = document.createElement('video');
  video.muted = true;
  document.body.appendChild(video);
  const source = new MediaSource();
  video.src = URL.createObjectURL(source);
  await new Promise((resolve) => source.addEventListener('sourceopen', resolve, { once: true }));
  const buffer = source.addSourceBuffer('video/mp4; codecs="' + codec + '"');
  const append = (data) => new Promise((resolve, reject) => {
    buffer.addEventListener('updateend', resolve, { once: true });
    buffer.addEventListener('error', () => reject(new Error('appendBuffer failed')), { once: true });
    buffer.appendBuffer(data);
  });
  if (init.byteLength) await append(init);
  await append(media);
  const frame = new Promise((resolve, reject) => {
    video.requestVideoFrameCallback(() => resolve(performance.now()));
    setTimeout(() => reject(new Error('no frame within 10 s')), 10000);
  });
  video.currentTime = buffer.buffered.start(0);
  await video.play();
  const frameAt = await frame;
  video.pause();
  URL.revokeObjectURL(video.src);
  video.remove();
  return { totalMs: frameAt - t0, bytesMs: bytesAt - t0, codec };
};
</script>
`;
