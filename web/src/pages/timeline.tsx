/**
 * Recorded video of one camera (#/timeline/ID?t=MS): the player, an hour-to-month scrubber
 * with recorded ranges and motion markers (GET /api/cameras/:id/coverage, merged spans: the
 * player alone lists the segment rows it plays), speeds, previous/next event, and "Download
 * range". ?t= follows the playhead (debounced) so a reload or bookmark returns to it.
 * Keys: space play/pause, ←/→ ±10 s, shift+←/→ ±1 min, j/k previous/next event, 1/2/4 speed.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getCameras, getCoverage, getEvents, type Camera, type Me } from '../api.ts';
import { href, navigate } from '../router.ts';
import { useKeys } from '../shortcuts.ts';
import { RecordedVideo } from '../components/recordedVideo.tsx';
import { Scrubber, clampView, type EventMarkerRange, type ScrubberView, type TimeRange } from '../components/scrubber.tsx';
import type { RecordedPlayback } from '../playback/videoPlayback.ts';
import { dayMs, hourMs, localDayStart, minuteMs } from '../playback/timeFormat.ts';
import { CameraPicker, TimelineHeader } from './timeline/timelineHeader.tsx';
import { TimelineControls } from './timeline/timelineControls.tsx';
import { DownloadRangePanel } from './timeline/downloadRange.tsx';
import './timeline.css';

type CamerasState = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; cameras: Camera[] };

export function TimelinePage({ cameraId, me, query }: { cameraId: string; me: Me; query: URLSearchParams }) {
  const [state, setState] = useState<CamerasState>({ status: 'loading' });
  useEffect(() => {
    getCameras()
      .then((cameras) => setState({ status: 'ready', cameras }))
      .catch((error: Error) => setState({ status: 'error', message: error.message }));
  }, []);

  if (state.status === 'loading') return <section class="page timeline"><p class="muted">Loading cameras…</p></section>;
  if (state.status === 'error') return <section class="page timeline"><p class="error" role="alert">Could not load the cameras: {state.message}</p></section>;
  const cameras = state.cameras;
  if (cameras.length === 0) {
    return (
      <section class="page timeline">
        <h2>Recordings</h2>
        <p class="empty-note">There are no cameras you may see yet. An admin adds cameras in Settings and can give you access to them.</p>
      </section>
    );
  }
  const camera = cameras.find((c) => c.id === cameraId) ?? (cameraId ? null : cameras[0]!);
  if (!camera) {
    return (
      <section class="page timeline">
        <h2>Recordings</h2>
        <p class="empty-note">This camera does not exist or you may not see it.</p>
        <CameraPicker cameras={cameras} value="" onPick={(id) => navigate(['timeline', id])} />
      </section>
    );
  }
  const t = Number(query.get('t'));
  // Older servers do not say; then the segments request answers (404 = live only).
  const mayRecordings = me.role === 'admin' || !me.recordings || me.recordings.includes(camera.id);
  const mayExport = me.role === 'admin' || !me.export || me.export.includes(camera.id);
  return (
    <CameraTimeline
      key={camera.id}
      camera={camera}
      cameras={cameras}
      initialMs={Number.isFinite(t) && t > 0 ? t : null}
      mayRecordings={mayRecordings}
      mayExport={mayExport}
    />
  );
}

type Access = 'unknown' | 'recordings' | 'live-only';

interface TimelineProps {
  camera: Camera;
  cameras: Camera[];
  initialMs: number | null;
  mayRecordings: boolean;
  mayExport: boolean;
}

function CameraTimeline({ camera, cameras, initialMs, mayRecordings, mayExport }: TimelineProps) {
  const playerRef = useRef<RecordedPlayback | null>(null);
  const [view, setView] = useState<ScrubberView>(() => {
    const at = initialMs ?? Date.now();
    return clampView({ startMs: at - 0.7 * hourMs, spanMs: hourMs });
  });
  const [recorded, setRecorded] = useState<TimeRange[]>([]);
  const [events, setEvents] = useState<EventMarkerRange[]>([]);
  const [access, setAccess] = useState<Access>(mayRecordings ? 'unknown' : 'live-only');
  const [loadError, setLoadError] = useState<string | null>(null);
  const [startMs, setStartMs] = useState<number | null>(initialMs);
  const [playheadMs, setPlayheadMs] = useState<number | null>(null);
  const [playing, setPlaying] = useState(true);
  const [speed, setSpeed] = useState(1);
  const [selecting, setSelecting] = useState(false);
  const [selection, setSelection] = useState<TimeRange | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  /** H.265 fallback: which recording is playing, in words (null when the main stream plays as recorded). */
  const [sourceNote, setSourceNote] = useState<string | null>(null);
  const lastViewTouch = useRef(0);

  // Recorded spans and motion markers around the view (half a view either side, ≤ 62 days), refreshed while the view shows "now".
  useEffect(() => {
    if (!mayRecordings) return;
    let cancelled = false;
    const load = async () => {
      const to = Math.min(view.startMs + view.spanMs * 1.5, Date.now() + minuteMs);
      // The route answers ≤ 62 days (a month's view and half of one either side); a second under it, for rounding.
      const from = Math.max(view.startMs - view.spanMs / 2, to - 62 * dayMs + 1000);
      // A gap narrower than a pixel of the scrubber is not drawn: the server merges it.
      const pixelMs = view.spanMs / Math.max(320, window.innerWidth);
      try {
        const coverage = await getCoverage(camera.id, from, to, pixelMs);
        if (cancelled) return;
        setAccess('recordings');
        setLoadError(null);
        setRecorded(coverage.spans.map((s) => ({ start: s.startMs, end: s.endMs })));
        setEvents(coverage.events.map((e) => ({ start: e.startMs, end: e.endMs, labels: e.labels ?? [], alert: e.alert === true })));
      } catch (error) {
        if (cancelled) return;
        if (error instanceof ApiError && error.status === 404) setAccess('live-only');
        else setLoadError(`Could not load the timeline: ${(error as Error).message}`);
      }
    };
    const debounce = setTimeout(load, 150);
    const refresh = view.startMs + view.spanMs > Date.now() - minuteMs ? setInterval(load, 10_000) : undefined;
    return () => {
      cancelled = true;
      clearTimeout(debounce);
      if (refresh) clearInterval(refresh);
    };
  }, [camera.id, view.startMs, view.spanMs]);

  // No ?t=: start a little before the end of the newest recording in view.
  useEffect(() => {
    if (startMs !== null || access !== 'recordings') return;
    const last = recorded[recorded.length - 1];
    if (!last) return;
    const ms = Math.max(last.start, last.end - 15_000);
    setStartMs(ms);
    void playerRef.current?.seek(ms);
  }, [access, recorded, startMs]);

  // Playhead at 4 Hz; the view follows it unless the user moved the view in the last 5 s.
  useEffect(() => {
    const timer = setInterval(() => {
      const now = playerRef.current?.wallNow() ?? null;
      setPlayheadMs(now);
      setSourceNote(playerRef.current?.sourceNote ?? null);
      if (now !== null && Date.now() - lastViewTouch.current > 5000) {
        setView((v) => (now > v.startMs + v.spanMs * 0.95 || now < v.startMs ? clampView({ startMs: now - v.spanMs * 0.3, spanMs: v.spanMs }) : v));
      }
    }, 250);
    return () => clearInterval(timer);
  }, []);

  // ?t= follows the playhead, without a hashchange (which would re-render the app).
  useEffect(() => {
    const timer = setInterval(() => {
      const now = playerRef.current?.wallNow();
      if (now == null) return;
      const target = href(['timeline', camera.id], { t: Math.round(now) });
      if (location.hash !== target) history.replaceState(null, '', target);
    }, 2000);
    return () => clearInterval(timer);
  }, [camera.id]);

  const onView = useCallback((next: ScrubberView) => {
    lastViewTouch.current = Date.now();
    setView(next);
  }, []);

  const seek = useCallback((ms: number) => {
    setNotice(null);
    const player = playerRef.current;
    if (!player) {
      setStartMs(ms);
      return;
    }
    setPlaying(true);
    player.play();
    void player.seek(ms);
  }, []);

  const seekBy = (deltaMs: number) => {
    const now = playerRef.current?.wallNow();
    if (now != null) seek(Math.min(Date.now(), now + deltaMs));
  };

  const togglePlay = () => {
    const player = playerRef.current;
    if (!player) return;
    if (player.playing) player.pause();
    else player.play();
    setPlaying(player.playing);
  };

  const changeSpeed = (next: number) => {
    setSpeed(next);
    playerRef.current?.setSpeed(next);
  };

  const jumpToEvent = async (direction: -1 | 1) => {
    const now = playerRef.current?.wallNow() ?? startMs ?? Date.now();
    try {
      let found;
      if (direction < 0) {
        found = (await getEvents({ camera: camera.id, from: now - 30 * dayMs, to: now - 3000, limit: 1 }))[0];
      } else {
        const from = now + 2500;
        const list = await getEvents({ camera: camera.id, from, to: Math.min(Date.now() + 1000, from + dayMs), limit: 1000 });
        found = list[list.length - 1];
      }
      if (!found) {
        setNotice(direction < 0 ? 'No earlier motion event.' : 'No later motion event.');
        return;
      }
      seek(found.start - 2000);
      lastViewTouch.current = 0;
    } catch (error) {
      setNotice(`Could not look up events: ${(error as Error).message}`);
    }
  };

  const startSelecting = () => {
    if (selecting) {
      setSelecting(false);
      setSelection(null);
      return;
    }
    const end = playheadMs ?? Date.now() - 5000;
    setSelection({ start: end - 30_000, end });
    setSelecting(true);
  };

  useKeys(
    (event) => {
      if (event.key === ' ') return togglePlay(), true;
      if (event.key === 'ArrowLeft') return seekBy(event.shiftKey ? -minuteMs : -10_000), true;
      if (event.key === 'ArrowRight') return seekBy(event.shiftKey ? minuteMs : 10_000), true;
      if (event.key === 'j') return void jumpToEvent(-1), true;
      if (event.key === 'k') return void jumpToEvent(1), true;
      if (event.key === '1' || event.key === '2' || event.key === '4') return changeSpeed(Number(event.key)), true;
      return false;
    },
    [camera.id, startMs, playheadMs, playing],
  );

  const zoomTo = (spanMs: number) => {
    const center = playheadMs ?? view.startMs + view.spanMs / 2;
    // A day view starts at local midnight; a week or a month ends a little after the playhead.
    const startMs = spanMs === dayMs ? localDayStart(center) : spanMs > dayMs ? center - spanMs * 0.9 : center - spanMs / 2;
    onView(clampView({ startMs, spanMs }));
  };

  if (access === 'live-only') {
    return (
      <section class="page timeline">
        <TimelineHeader camera={camera} cameras={cameras} />
        <p class="empty-note" role="status">
          You may watch {camera.name} live, but not its recordings. An admin can give you the “recordings” permission in Settings → Users.
        </p>
      </section>
    );
  }

  return (
    <section class="page timeline">
      <TimelineHeader camera={camera} cameras={cameras} playheadMs={playheadMs} />
      <RecordedVideo
        cameraId={camera.id}
        startMs={startMs}
        label={`Recording of ${camera.name}`}
        onPlayer={(player) => {
          playerRef.current = player;
          player?.setSpeed(speed);
        }}
        onStatus={(status) => {
          if (status.phase === 'playing') setPlaying(true);
        }}
      />
      {sourceNote && (
        <p class="muted playback-source" role="note">
          {sourceNote}
        </p>
      )}
      <TimelineControls
        cameraId={camera.id}
        playing={playing}
        speed={speed}
        spanMs={view.spanMs}
        selecting={selecting}
        mayExport={mayExport}
        onJumpToEvent={(direction) => void jumpToEvent(direction)}
        onTogglePlay={togglePlay}
        onSpeed={changeSpeed}
        onZoom={zoomTo}
        onSelectRange={startSelecting}
      />
      <Scrubber
        view={view}
        onView={onView}
        recorded={recorded}
        events={events}
        playheadMs={playheadMs}
        selecting={selecting}
        selection={selection}
        onSelect={setSelection}
        onSeek={seek}
      />
      {selecting && selection && (
        <DownloadRangePanel camera={camera} selection={selection} onChange={setSelection} onClose={() => (setSelecting(false), setSelection(null))} />
      )}
      {(notice || loadError) && (
        <p class={loadError ? 'error' : 'muted'} role="status">
          {loadError ?? notice}
        </p>
      )}
      <p class="muted hint">
        Drag the timeline to move, scroll or pinch to zoom, click to play from there. Green: recorded; orange: motion; blue with a pin: a person, vehicle or animal seen; red: an alert. Point at a marker to see what it was.
        {recorded.length === 0 && access === 'recordings' && ' Nothing recorded in this stretch of time.'}
      </p>
    </section>
  );
}
