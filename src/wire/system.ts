/**
 * GET /api/system (admin): storage, the forecast of days kept, camera states, Hearth's CPU
 * and memory. Shared by the server and the web UI; types only (see cameras.ts).
 */
import type { CameraState } from './cameras.ts';

/** CPU and memory of Hearth and its ffmpeg children; CPU is % of one core since the previous reading. */
export interface ProcessStats {
  /** Node itself, % of one core. */
  cpuPercent: number;
  /** The ffmpeg recorders and motion decoders (direct children), % of one core; null off Linux. */
  childrenCpuPercent: number | null;
  children: number | null;
  rssBytes: number;
  heapUsedBytes: number;
  childrenRssBytes: number | null;
  loadAverage: [number, number, number];
  cpuCores: number;
  totalMemoryBytes: number;
  freeMemoryBytes: number;
  uptimeMs: number;
}

export interface StorageForecast {
  recordingBytes: number;
  /** Recent write rate of all cameras together; null when too little has been recorded yet. */
  bytesPerDay: number | null;
  /** Space recordings may fill before retention prunes the oldest (maxDiskPercent minus everything else on the disk). */
  allowedBytes: number;
  /** Days the disk budget holds at the current rate; null without a rate. */
  daysByDisk: number | null;
  /** The longest age limit of any camera. */
  daysByAge: number;
  /** What recordings will be kept for: min(daysByDisk, daysByAge). */
  daysKept: number;
  limitedBy: 'age' | 'disk';
}

export interface DiskSpace {
  /** Bytes Hearth could use: used + available to it. */
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
}

export interface SystemStorage extends DiskSpace {
  recordingBytes: number;
  maxDiskPercent: number;
  /** The recording root is not there (storage_missing): the figures are the data dir's disk. */
  rootMissing: boolean;
}

export interface SystemCamera {
  id: string;
  name: string;
  state: CameraState;
  lastError: string | null;
  lastErrorAtMs: number | null;
  retentionDays: number;
  recordingBytes: number;
  oldestMs: number | null;
  newestMs: number | null;
}

export interface SystemInfo {
  atMs: number;
  storage: SystemStorage;
  forecast: StorageForecast;
  cameras: SystemCamera[];
  process: ProcessStats;
}
