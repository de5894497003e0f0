/**
 * Settings → System (admin): how full the disk is and how many days of recordings it
 * holds at the current rate, each camera's state and last error, and what Hearth costs
 * the box in CPU and memory. Re-read every few seconds while open.
 */
import { useEffect, useState } from 'preact/hooks';
import { getSystem, type Me, type SystemInfo } from '../api.ts';
import { StateBadge } from '../components/cameraState.tsx';
import './system.css';

const pollMs = 5_000;

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

function formatDays(days: number): string {
  if (days >= 2) return `${Math.floor(days)} days`;
  if (days >= 1) return '1 day';
  return `${Math.max(1, Math.round(days * 24))} hours`;
}

function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}

const when = (ms: number | null) => (ms === null ? '—' : new Date(ms).toLocaleString());

export function SystemPage(_props: { me: Me }) {
  const [info, setInfo] = useState<SystemInfo | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const next = await getSystem();
        if (!stopped) {
          setInfo(next);
          setError(null);
        }
      } catch (e) {
        if (!stopped) setError(e instanceof Error ? e.message : String(e));
      }
      if (!stopped) timer = setTimeout(load, pollMs);
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);

  if (!info) {
    return (
      <section class="system-page">
        {error ? (
          <p class="error" role="alert">
            Could not read the system status: {error}
          </p>
        ) : (
          <p class="muted">Reading the system status…</p>
        )}
      </section>
    );
  }
  return (
    <section class="system-page">
      {error && (
        <p class="error" role="alert">
          Lost contact with Hearth ({error}); the figures below are from {new Date(info.atMs).toLocaleTimeString()}.
        </p>
      )}
      <Storage info={info} />
      <Cameras info={info} />
      <ProcessCard info={info} />
    </section>
  );
}

function Storage({ info }: { info: SystemInfo }) {
  const { storage, forecast } = info;
  const total = Math.max(1, storage.totalBytes);
  const recordingsPct = (storage.recordingBytes / total) * 100;
  const otherPct = Math.max(0, ((storage.usedBytes - storage.recordingBytes) / total) * 100);
  return (
    <div class="card storage">
      <h3>Storage</h3>
      {storage.rootMissing && (
        <p class="error" role="alert">
          The recording folder is missing: the recording disk is probably not mounted. Figures are for the data disk.
        </p>
      )}
      <div class="disk-bar" role="img" aria-label={`Recordings ${recordingsPct.toFixed(0)}%, other files ${otherPct.toFixed(0)}%, budget ${storage.maxDiskPercent}%`}>
        <span class="recordings" style={{ width: `${recordingsPct}%` }} />
        <span class="other" style={{ width: `${otherPct}%` }} />
        <span class="budget" style={{ left: `${storage.maxDiskPercent}%` }} title={`Retention keeps the disk under ${storage.maxDiskPercent}%`} />
      </div>
      <dl class="facts">
        <dt>Recordings</dt>
        <dd>{formatBytes(storage.recordingBytes)}</dd>
        <dt>Free on the data disk</dt>
        <dd>
          {formatBytes(storage.availableBytes)} of {formatBytes(storage.totalBytes)}
        </dd>
        <dt>Writing</dt>
        <dd>{forecast.bytesPerDay === null ? 'measuring… (needs a few minutes of recording)' : `about ${formatBytes(forecast.bytesPerDay)} a day`}</dd>
        <dt>Kept for</dt>
        <dd class="forecast">
          {forecast.limitedBy === 'disk' ? (
            <>
              about <strong>{formatDays(forecast.daysKept)}</strong>: the disk budget ({storage.maxDiskPercent}% of the disk, {formatBytes(forecast.allowedBytes)} for
              recordings) fills before the {forecast.daysByAge}-day limit, so the oldest recordings go first.
            </>
          ) : (
            <>
              <strong>{formatDays(forecast.daysKept)}</strong> (the age limit)
              {forecast.daysByDisk !== null ? `; the disk would hold about ${formatDays(forecast.daysByDisk)} at this rate.` : '.'}
            </>
          )}
        </dd>
      </dl>
    </div>
  );
}

function Cameras({ info }: { info: SystemInfo }) {
  return (
    <div class="card">
      <h3>Cameras</h3>
      {info.cameras.length === 0 ? (
        <p class="muted">No cameras yet.</p>
      ) : (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th>Camera</th>
                <th>State</th>
                <th>Recorded</th>
                <th>Oldest recording</th>
                <th>Last error</th>
              </tr>
            </thead>
            <tbody>
              {info.cameras.map((c) => (
                <tr key={c.id} data-camera={c.id}>
                  <td>
                    {c.name}
                    <div class="muted small">{c.id}</div>
                  </td>
                  <td>
                    <StateBadge camera={{ ...c, identity: { serial: null, verified: true } }} />
                  </td>
                  <td>
                    {formatBytes(c.recordingBytes)}
                    <div class="muted small">keeps {c.retentionDays} days</div>
                  </td>
                  <td>{when(c.oldestMs)}</td>
                  <td class="last-error">
                    {c.lastError ? (
                      <>
                        {c.lastError}
                        <div class="muted small">{when(c.lastErrorAtMs)}</div>
                      </>
                    ) : (
                      <span class="muted">none</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function ProcessCard({ info }: { info: SystemInfo }) {
  const p = info.process;
  const percent = (n: number) => `${n.toFixed(n < 10 ? 1 : 0)}%`;
  return (
    <div class="card process">
      <h3>Hearth on this box</h3>
      <dl class="facts">
        <dt>CPU</dt>
        <dd>
          Hearth {percent(p.cpuPercent)}
          {p.childrenCpuPercent !== null
            ? ` · ffmpeg (${p.children} recorders/decoders) ${percent(p.childrenCpuPercent)}`
            : p.children !== null
              ? ` · ffmpeg (${p.children}) measuring…`
              : ''}{' '}
          <span class="muted">(100% = one of {p.cpuCores} cores)</span>
        </dd>
        <dt>Load average</dt>
        <dd>{p.loadAverage.map((n) => n.toFixed(2)).join(' · ')}</dd>
        <dt>Memory</dt>
        <dd>
          Hearth {formatBytes(p.rssBytes)}
          {p.childrenRssBytes !== null && ` · ffmpeg ${formatBytes(p.childrenRssBytes)}`}{' '}
          <span class="muted">
            (box: {formatBytes(p.freeMemoryBytes)} free of {formatBytes(p.totalMemoryBytes)})
          </span>
        </dd>
        <dt>Running for</dt>
        <dd>{formatDuration(p.uptimeMs)}</dd>
      </dl>
    </div>
  );
}
