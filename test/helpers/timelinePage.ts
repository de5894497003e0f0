/**
 * Driving the timeline page in a test and checking what it shows against the recording:
 * the simulator burns a frame code (camera, wall second) into every picture, read back
 * from the <video> through a canvas, and compared with the first frame of the segment that
 * holds the clicked moment (decoded by real ffmpeg), which measures the camera's own
 * capture lag on a loaded box.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { APIRequestContext, Page } from 'playwright-core';
import { readFrameCode, wallSecondsDiff, wallSecondsOf, type FrameCode } from '../../src/simulator/index.ts';
import { firstFrameCode } from './frameCodes.ts';

const codeRows = 40;

/** The frame code in the top rows of the picture on screen. */
export async function frameCodeOnScreen(page: Page): Promise<{ code: FrameCode | null; width: number }> {
  // A seek can be reported before its first frame is decoded (native HLS on a loaded box): wait for a picture.
  await page.waitForFunction(() => {
    const video = document.querySelector('.recorded-video video') as HTMLVideoElement | null;
    return video !== null && video.videoWidth > 0 && video.readyState >= 2;
  }, null, { timeout: 15_000 });
  const grabbed = await page.evaluate((rows) => {
    const video = document.querySelector('.recorded-video video') as HTMLVideoElement;
    const width = video.videoWidth;
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = rows;
    const g = canvas.getContext('2d', { willReadFrequently: true })!;
    g.drawImage(video, 0, 0, width, rows, 0, 0, width, rows);
    const rgba = g.getImageData(0, 0, width, rows).data;
    let binary = '';
    for (let i = 0; i < rgba.length; i += 4) binary += String.fromCharCode(Math.round(0.299 * rgba[i]! + 0.587 * rgba[i + 1]! + 0.114 * rgba[i + 2]!));
    return { width, gray: btoa(binary) };
  }, codeRows);
  return { code: grabbed.width ? readFrameCode(new Uint8Array(Buffer.from(grabbed.gray, 'base64')), grabbed.width, codeRows) : null, width: grabbed.width };
}

/** Zooms the scrubber in around `agoMs` before now and clicks there; returns the wall time the click means. */
export async function clickScrubberAgo(page: Page, agoMs: number): Promise<number> {
  const canvas = (await page.$('.scrubber canvas'))!;
  const spot = async () => {
    const box = (await canvas.boundingBox())!;
    const start = Number(await canvas.getAttribute('data-view-start'));
    const end = Number(await canvas.getAttribute('data-view-end'));
    const wallMs = Date.now() - agoMs;
    assert.ok(wallMs > start && wallMs < end, `the scrubber view ${new Date(start).toISOString()}..${new Date(end).toISOString()} shows the target`);
    const x = Math.round(box.x + ((wallMs - start) / (end - start)) * box.width);
    return { x, y: box.y + box.height * 0.7, atMs: start + ((x - box.x) / box.width) * (end - start) };
  };
  let at = await spot();
  await page.mouse.move(at.x, at.y);
  for (let i = 0; i < 3; i += 1) await page.mouse.wheel(0, -300);
  await page.waitForTimeout(300);
  at = await spot();
  await page.$eval('.recorded-video video', (v) => delete (v as HTMLVideoElement).dataset.seekLatencyMs);
  await page.mouse.click(at.x, at.y);
  return at.atMs;
}

/**
 * The wall second the picture at `clickedAtMs` carries: the indexed start of the segment
 * holding it, less the capture lag measured on that segment's first frame.
 */
export async function pictureSecondsAt(request: APIRequestContext, baseUrl: string, cameraId: string, clickedAtMs: number, width: number): Promise<{ wallSeconds: number; lagSeconds: number; firstFrame: FrameCode; segment: { id: number; start: number; end: number; url: string } }> {
  const list = await request.get(`${baseUrl}/api/cameras/${cameraId}/segments?from=${Math.floor(clickedAtMs - 60_000)}&to=${Date.now()}`);
  const segments = (await list.json()) as Array<{ id: number; start: number; end: number; url: string }>;
  const segment = segments.find((s) => s.start <= clickedAtMs && s.end > clickedAtMs) ?? segments.find((s) => s.start > clickedAtMs);
  assert.ok(segment, 'the clicked moment is recorded');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-timeline-check-'));
  try {
    const file = path.join(dir, 'segment.mp4');
    writeFileSync(file, await (await request.get(baseUrl + segment.url)).body());
    const firstFrame = await firstFrameCode(file, width, { rows: codeRows });
    assert.ok(firstFrame, "the segment's first frame carries the frame code");
    const lagSeconds = wallSecondsDiff(wallSecondsOf(segment.start), firstFrame.wallSeconds);
    return { wallSeconds: wallSecondsOf(Math.max(clickedAtMs, segment.start) - lagSeconds * 1000), lagSeconds, firstFrame, segment };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const videoDataset = (page: Page) => page.$eval('.recorded-video video', (v) => ({ ...(v as HTMLVideoElement).dataset }));
