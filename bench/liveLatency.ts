/**
 * Live-view latency in a real chromium against a real `hearth start` recording simulated
 * cameras (not part of `npm run bench`'s table; run it alone):
 *   node --import tsx bench/liveLatency.ts [seconds]
 * The page polls each live <video> every 40 ms. When the buffered end grows, a fragment has
 * just arrived and its last frame was captured moments ago, so at any instant
 *   latency ≈ (now − last arrival) + (buffered end − currentTime)
 * i.e. how far behind capture the frame on screen is, minus the constant camera→ffmpeg→
 * browser transport time (the same before and after any fragmenting change). Also counts
 * stalls (currentTime not advancing for 0.5 s while the page is visible).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startUiStack } from '../test/helpers/uiStack.ts';
import { launchBrowser, loginThroughForm } from '../test/helpers/browser.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const seconds = Math.min(300, Math.max(5, Number(process.argv[2] ?? 30)));

execFileSync('bash', ['scripts/build-web.sh'], { cwd: repo, stdio: 'inherit', timeout: 120_000 });
const stack = await startUiStack({ cameras: 2, viewerGrants: 1, motion: false, segmentSeconds: 4 });
const ui = await launchBrowser();
try {
  const { page } = await ui.newPage(stack.url);
  await loginThroughForm(page, stack.url, stack.admin.username, stack.admin.password);
  await page.goto(stack.url + '/#/live', { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(
    () => {
      const videos = Array.from(document.querySelectorAll<HTMLVideoElement>('.live-tile video'));
      return videos.length > 0 && videos.every((v) => v.readyState >= 2 && v.currentTime > 1);
    },
    undefined,
    { timeout: 60_000, polling: 250 },
  );
  const perVideo = await page.evaluate(async (seconds) => {
    const videos = Array.from(document.querySelectorAll<HTMLVideoElement>('.live-tile video'));
    const state = videos.map(() => ({ end: 0, arrivedAt: 0, samples: [] as number[], lastTime: -1, lastMoveAt: performance.now(), stalls: 0, stalled: false }));
    const deadline = performance.now() + seconds * 1000;
    // Bounded: one poll every 40 ms until the deadline.
    while (performance.now() < deadline) {
      const now = performance.now();
      videos.forEach((v, i) => {
        const s = state[i]!;
        if (v.buffered.length === 0) return;
        const end = v.buffered.end(v.buffered.length - 1);
        if (end > s.end + 0.001) {
          s.end = end;
          s.arrivedAt = now;
        }
        if (s.arrivedAt > 0) s.samples.push((now - s.arrivedAt) / 1000 + (s.end - v.currentTime));
        if (v.currentTime !== s.lastTime) {
          s.lastTime = v.currentTime;
          s.lastMoveAt = now;
          s.stalled = false;
        } else if (!s.stalled && now - s.lastMoveAt > 500) {
          s.stalled = true;
          s.stalls++;
        }
      });
      await new Promise((r) => setTimeout(r, 40));
    }
    // No named helpers in here: tsx's keepNames would reference a __name the page lacks.
    return state.map((s) => ({ samples: s.samples, stalls: s.stalls }));
  }, seconds);
  for (const [i, raw] of perVideo.entries()) {
    const sorted = [...raw.samples].sort((a, b) => a - b);
    const pick = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
    const r = { mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length), p50: pick(0.5), p95: pick(0.95), max: pick(1), stalls: raw.stalls, samples: sorted.length };
    console.log(
      `camera ${i + 1}: latency over ${seconds} s (excluding transport): mean ${r.mean.toFixed(2)} s, p50 ${r.p50.toFixed(2)} s, p95 ${r.p95.toFixed(2)} s, max ${r.max.toFixed(2)} s; stalls ${r.stalls} (${r.samples} samples)`,
    );
  }
} finally {
  await ui.close();
  await stack.stop();
}
