/**
 * Motion for one camera: frames → detector → hysteresis → event rows and thumbnails; during an
 * event, frames with motion go to the box's object detector (objectWatch.ts) and what it names
 * becomes the event's labels, alert and thumbnail. The motion detector runs synchronously in the
 * frame callback (about a millisecond at 320 px); SQLite writes are a few per event; thumbnails
 * are encoded off the frame path.
 */
import type { Db } from '../db/connection.ts';
import type { Logger } from '../log.ts';
import { MotionDetector, type Rect } from './detector.ts';
import { EventTracker, type EventPolicy } from './events.ts';
import { closeEvent, closeOpenEvents, insertOpenEvent, setEventThumbnail, updateEventPeak } from './eventRows.ts';
import { getLearnedRegions, saveLearnedRegions } from './learnedRegionRows.ts';
import { encodeFrame, writeEventThumbnail, type ColourFrame } from './thumbnail.ts';
import { startFrameSource, type FrameSource } from './frameSource.ts';
import type { Y4mFormat } from './y4mReader.ts';
import type { FrameVerdict } from './frameVerdict.ts';
import type { EventLabel, LabelRules } from '../objects/eventLabeller.ts';
import type { ObjectDetector } from '../objects/objectDetector.ts';
import { setEventAlert, upsertEventLabel } from '../objects/labelRows.ts';
import { ObjectWatch, type LabelChange } from './objectWatch.ts';

export type { EventLabel } from '../objects/eventLabeller.ts';

/** The box's detector and this camera's rules; null when object detection is off for it. */
export interface CameraObjects {
  detector: ObjectDetector;
  rules: LabelRules;
  /** Frames classified per second while motion lasts. */
  fps: number;
}

export interface CameraMotionSettings {
  sensitivity: number;
  masks?: readonly Rect[];
  zones?: readonly Rect[];
}

/** What the service tells subscribers (MQTT): an event started, gained or improved a label ('update'), or ended. */
export interface MotionEventNotice {
  type: 'start' | 'update' | 'end';
  cameraId: string;
  eventId: number;
  /** Clip range, pre- and post-roll included; endMs is null on 'start'. */
  startMs: number;
  endMs: number | null;
  /** Motion itself, without roll. */
  firstMotionMs: number;
  lastMotionMs: number;
  detectedAtMs: number;
  score: number;
  region: Rect;
  thumbnailPath: string | null;
  /** Labels that count so far, best score first. */
  labels: EventLabel[];
  alert: boolean;
}

export interface CameraMotionOptions {
  db: Db;
  log: Logger;
  dataDir: string;
  cameraId: string;
  inputUrl: string;
  settings: CameraMotionSettings;
  policy: EventPolicy;
  fps: number;
  width: number;
  realtime?: boolean;
  /** Decode a file/lavfi input once at full speed, frames stamped with stream time (frameSource). */
  offline?: boolean;
  offlineOriginMs?: number;
  objects?: CameraObjects | null;
  notify(notice: MotionEventNotice): void;
}

export interface CameraMotion {
  stop(): Promise<void>;
  /** Offline inputs: resolves with the frame count once the input was decoded to its end and its events are written. */
  ended: Promise<number>;
  /** A JPEG of the next decoded frame (no outline), or null when no frame comes within `timeoutMs`. */
  snapshot(timeoutMs?: number): Promise<Buffer | null>;
}

/** Peak-row updates are throttled: the score climbs for several frames as someone walks in. */
const peakWriteIntervalMs = 1_000;

export function startCameraMotion(options: CameraMotionOptions): CameraMotion {
  const { db, dataDir, cameraId, policy } = options;
  const log = options.log.child({ camera: cameraId });
  // Fail fast on settings no frame could satisfy (sensitivity out of range, masks covering everything).
  new MotionDetector({ width: options.width, height: Math.round((options.width * 9) / 32) * 2, fps: options.fps, ...options.settings });
  const closed = closeOpenEvents(db, cameraId, Date.now(), policy.endQuietMs + policy.postRollMs + policy.preRollMs);
  for (const id of closed) log.warn('closed an event left open by the previous run', { event: 'motion.event_recovered', eventId: id });

  const tracker = new EventTracker(policy);
  let detector: MotionDetector | null = null;
  let frameWidth = 0;
  let frameHeight = 0;
  let peak: ColourFrame | null = null;
  let eventId: number | null = null;
  let eventStartMs = 0;
  /** Thumbnail path per event id, set once its first thumbnail is on disk. */
  const thumbnailPaths = new Map<number, string>();
  let lastPeakWriteMs = 0;
  let peakUnwritten = false;
  /** The thumbnail shows a named object: motion peaks leave it alone. */
  let labelledThumbnail = false;
  /** Thumbnail writes run one after another, so the last peak always wins. */
  let writes: Promise<void> = Promise.resolve();
  const snapshotWaiters: Array<(frame: ColourFrame) => void> = [];

  const region = (): Rect => {
    const e = tracker.event;
    const round = (n: number): number => Math.round(n * 10_000) / 10_000;
    return { x: round(e.peakRegionX), y: round(e.peakRegionY), w: round(e.peakRegionW), h: round(e.peakRegionH) };
  };

  const notice = (type: MotionEventNotice['type'], id: number, labelled = watch?.current() ?? { labels: [], alert: false }): MotionEventNotice => ({
    type,
    cameraId,
    eventId: id,
    startMs: eventStartMs,
    endMs: type === 'end' ? tracker.endMs() : null,
    firstMotionMs: tracker.event.firstMotionMs,
    lastMotionMs: tracker.event.lastMotionMs,
    detectedAtMs: tracker.event.detectedAtMs,
    score: tracker.event.maxScore,
    region: region(),
    thumbnailPath: thumbnailPaths.get(id) ?? null,
    labels: labelled.labels,
    alert: labelled.alert,
  });

  /** Encodes the peak frame now (synchronously copied inside encodeFrame's first step) and stores it. */
  const queueThumbnail = (id: number, then: ((n: MotionEventNotice) => void) | null, pending: MotionEventNotice | null, labelled?: { frame: ColourFrame; box: Rect }): void => {
    // Once an object is outlined, the motion peak no longer replaces the picture.
    if (!labelled && labelledThumbnail) {
      if (then && pending) writes = writes.then(() => then({ ...pending, thumbnailPath: thumbnailPaths.get(id) ?? null }));
      return;
    }
    const frame = labelled?.frame ?? peak;
    if (!frame) return;
    if (labelled) labelledThumbnail = true;
    const job = writeEventThumbnail({ dataDir, cameraId, eventId: id, eventStartMs, frame, region: labelled?.box ?? region() });
    writes = writes
      .then(() => job)
      .then((relative) => {
        setEventThumbnail(db, id, relative);
        thumbnailPaths.set(id, relative);
        if (then && pending) then({ ...pending, thumbnailPath: relative });
      })
      .catch((error: unknown) => {
        log.error('cannot write the event thumbnail', { event: 'motion.thumbnail_failed', eventId: id, error: (error as Error).message });
        if (then && pending) then(pending);
      });
  };

  const copyPeak = (frame: Uint8Array, format: Y4mFormat): void => {
    if (!peak || peak.data.length !== format.frameBytes) peak = { data: new Uint8Array(format.frameBytes), width: format.width, height: format.height };
    peak.data.set(frame.subarray(0, format.frameBytes));
  };

  const endEvent = (endMs: number): void => {
    if (eventId === null) return;
    const id = eventId;
    const score = tracker.event.maxScore;
    const labelled = watch?.eventEnded() ?? { labels: [], alert: false };
    try {
      updateEventPeak(db, id, { score, region: region() });
      closeEvent(db, id, endMs);
    } catch (error) {
      log.error('cannot close the motion event', { event: 'motion.event_write_failed', eventId: id, error: (error as Error).message });
    }
    log.info('motion event ended', { event: 'motion.event_ended', eventId: id, durationMs: Math.round(endMs - eventStartMs), score: round3(score) });
    const pending = { ...notice('end', id, labelled), endMs };
    if (peakUnwritten) queueThumbnail(id, options.notify, pending);
    else writes = writes.then(() => options.notify({ ...pending, thumbnailPath: thumbnailPaths.get(id) ?? null }));
    writes = writes.then(() => void thumbnailPaths.delete(id));
    peakUnwritten = false;
    labelledThumbnail = false;
    eventId = null;
  };

  /** The detector named something new (or better) in the open event: its row, the alert, maybe the thumbnail, then a notice. */
  const onLabel = (change: LabelChange): void => {
    if (change.eventId !== eventId) return;
    const id = change.eventId;
    try {
      upsertEventLabel(db, id, change.label);
      if (change.alert) setEventAlert(db, id, true);
    } catch (error) {
      log.error('cannot record the event label', { event: 'objects.label_write_failed', eventId: id, error: (error as Error).message });
    }
    log.info('object named in the motion event', { event: 'objects.labelled', eventId: id, label: change.label.label, score: change.label.score, alert: change.alert });
    const pending = notice('update', id, { labels: change.labels, alert: change.alert });
    if (change.thumbnailFrame) queueThumbnail(id, options.notify, pending, { frame: change.thumbnailFrame, box: change.label.box });
    else writes = writes.then(() => options.notify({ ...pending, thumbnailPath: thumbnailPaths.get(id) ?? null }));
  };
  const watch = options.objects
    ? new ObjectWatch({ cameraId, detector: options.objects.detector, rules: options.objects.rules, fps: options.objects.fps, log, onChange: onLabel })
    : null;

  let learnedVersion = -1;
  /** Learned nuisance regions are stored when they change: suggestions for the admin, and the next run's start. */
  const saveLearned = (d: MotionDetector, nowMs: number): void => {
    learnedVersion = d.nuisance.version;
    const regions = d.nuisance.regions();
    try {
      saveLearnedRegions(db, cameraId, regions, nowMs);
    } catch (error) {
      log.error('cannot store the learned motion regions', { event: 'motion.learned_write_failed', error: (error as Error).message });
    }
    log.info('learned regions that change all the time; motion leaves them out', { event: 'motion.nuisance_learned', regions: JSON.stringify(regions), atMs: Math.round(nowMs) });
  };

  const onFrame = (frame: Uint8Array, format: Y4mFormat, wallMs: number): void => {
    if (!detector || format.width !== frameWidth || format.height !== frameHeight) {
      // First frame, or the camera changed resolution: a fresh model for the new geometry.
      detector = new MotionDetector({ width: format.width, height: format.height, fps: options.fps, ...options.settings });
      frameWidth = format.width;
      frameHeight = format.height;
      // What the previous run learned is left out from the first frame, not after a minute of false events.
      try {
        const stored = getLearnedRegions(db, cameraId);
        if (stored) detector.nuisance.seed(stored.regions);
      } catch (error) {
        log.warn('cannot read the learned motion regions; learning afresh', { event: 'motion.learned_read_failed', error: (error as Error).message });
      }
      learnedVersion = detector.nuisance.version;
    }
    if (snapshotWaiters.length > 0) {
      const copy: ColourFrame = { data: frame.slice(0, format.frameBytes), width: format.width, height: format.height };
      for (const resolve of snapshotWaiters.splice(0)) resolve(copy);
    }
    const verdict = detector.process(frame);
    if (detector.nuisance.version !== learnedVersion) saveLearned(detector, wallMs);
    const step = tracker.observe(wallMs, verdict);
    // Frames with motion during the open event go to the object detector (rate-limited there).
    if (watch && eventId !== null && step !== 'ended' && verdict.motion) watch.frame(frame, format.width, format.height, format.frameBytes, wallMs, currentRegion(verdict));
    if (step === 'none') return;
    if (step === 'ended') {
      endEvent(tracker.endMs());
      return;
    }
    copyPeak(frame, format);
    if (step === 'started') {
      eventStartMs = tracker.startMs();
      try {
        eventId = insertOpenEvent(db, { cameraId, startMs: eventStartMs, score: verdict.score, region: region() });
      } catch (error) {
        log.error('cannot record the motion event', { event: 'motion.event_write_failed', error: (error as Error).message });
        eventId = null;
        return;
      }
      lastPeakWriteMs = wallMs;
      peakUnwritten = false;
      watch?.eventStarted(eventId);
      if (verdict.motion) watch?.frame(frame, format.width, format.height, format.frameBytes, wallMs, currentRegion(verdict));
      log.info('motion event started', { event: 'motion.event_started', eventId, latencyMs: Math.round(wallMs - tracker.event.firstMotionMs) });
      // The first thumbnail is written at once, so an event cut short by a crash still has one.
      queueThumbnail(eventId, options.notify, notice('start', eventId));
      return;
    }
    // step === 'peak'
    if (eventId === null) return;
    peakUnwritten = true;
    if (wallMs - lastPeakWriteMs >= peakWriteIntervalMs) {
      lastPeakWriteMs = wallMs;
      try {
        updateEventPeak(db, eventId, { score: tracker.event.maxScore, region: region() });
      } catch (error) {
        log.error('cannot update the motion event', { event: 'motion.event_write_failed', eventId, error: (error as Error).message });
      }
    }
  };

  const source: FrameSource = startFrameSource({
    cameraId,
    inputUrl: options.inputUrl,
    fps: options.fps,
    width: options.width,
    log: options.log,
    realtime: options.realtime,
    offline: options.offline,
    offlineOriginMs: options.offlineOriginMs,
    onFrame,
  });

  return {
    ended: source.ended.then(async (frames) => {
      // The input is over: what is open ends at its last motion, as at a stop.
      if (tracker.finish()) endEvent(tracker.endMs());
      await writes;
      return frames;
    }),
    stop: async () => {
      await source.stop();
      // Stopping mid-event closes it at its last motion (plus post-roll, never in the future).
      if (tracker.finish()) endEvent(Math.min(Date.now(), tracker.endMs()));
      await writes;
      for (const resolve of snapshotWaiters.splice(0)) resolve({ data: new Uint8Array(0), width: 0, height: 0 });
    },
    snapshot: async (timeoutMs = 2_000) => {
      let timer: NodeJS.Timeout | undefined;
      let waiter: ((frame: ColourFrame) => void) | undefined;
      const frame = await Promise.race([
        new Promise<ColourFrame>((resolve) => {
          waiter = resolve;
          snapshotWaiters.push(resolve);
        }),
        new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      const index = waiter ? snapshotWaiters.indexOf(waiter) : -1;
      if (index >= 0) snapshotWaiters.splice(index, 1);
      if (!frame || frame.width === 0) return null;
      return encodeFrame(frame, null);
    },
  };
}

/** This frame's moved region (the verdict object is reused: copy it). */
function currentRegion(v: FrameVerdict): Rect {
  return { x: v.regionX, y: v.regionY, w: v.regionW, h: v.regionH };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
