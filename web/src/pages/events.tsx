/**
 * Motion events (#/events?camera=&day=YYYY-MM-DD&label=): thumbnails newest first, more loaded as
 * the list scrolls (an IntersectionObserver on a sentinel; each page asks for events older
 * than the oldest shown). Filtered by camera, local day and what was seen (alerts, a kind, or
 * motion with no label); each card shows its labels with their scores, an alert stands out.
 * A click opens the event's clip
 * in an overlay player from 2 s before the event, with a way into the timeline there.
 * Only cameras the user may see recordings of appear: the server answers for those only.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getCameras, getEvents, thumbnailUrl, type Camera, type Me, type MotionEvent } from '../api.ts';
import { href, navigate } from '../router.ts';
import { RecordedVideo } from '../components/recordedVideo.tsx';
import { LabelBadges } from '../components/labelBadges.tsx';
import { labelFilterOf, labelFilters, type LabelFilter } from './events/labelFilter.ts';
import { clockTime, dateTime, dayMs, duration, localDayKey, nextLocalDay, parseDayKey } from '../playback/timeFormat.ts';
import './events.css';

const pageSize = 48;
/** The API answers at most 31 days per request; without a day filter we walk back window by window. */
const windowMs = 30 * dayMs;
/** Windows with no events before we stop looking further back (retention is usually 14 days). */
const maxEmptyWindows = 2;

interface Listing {
  events: MotionEvent[];
  /** Older events may exist: keep the sentinel. */
  more: boolean;
  loading: boolean;
  error: string | null;
  /** The filter generation this listing belongs to: updates of an older one are dropped. */
  generation: number;
}

interface Cursor {
  camera: string;
  label: LabelFilter;
  /** Nothing older than this is asked for: the chosen day's start, or 0. */
  lowerBound: number;
  toMs: number;
  emptyWindows: number;
  busy: boolean;
  generation: number;
}

export function EventsPage({ me, query }: { me: Me; query: URLSearchParams }) {
  const cameraFilter = query.get('camera') ?? '';
  const dayKey = query.get('day') ?? '';
  const dayStart = parseDayKey(dayKey);
  const labelFilter = labelFilterOf(query.get('label'));
  const [cameras, setCameras] = useState<Camera[] | null>(null);
  const [listing, setListing] = useState<Listing>({ events: [], more: true, loading: true, error: null, generation: 0 });
  const [open, setOpen] = useState<MotionEvent | null>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  // The cursor of the next page and the filter it walks, kept outside state so that every
  // caller (the filter effect, a late observer callback) reads the latest, never a stale closure.
  const cursor = useRef<Cursor>({ camera: '', label: labelFilters[0], lowerBound: 0, toMs: 0, emptyWindows: 0, busy: false, generation: 0 });

  useEffect(() => {
    // The filter offers only cameras whose recordings this user may see (live-only ones have no events here).
    const mayRecordings = (c: Camera) => me.role === 'admin' || !me.recordings || me.recordings.includes(c.id);
    getCameras()
      .then((all) => setCameras(all.filter(mayRecordings)))
      .catch(() => setCameras([]));
  }, []);

  const loadMore = async () => {
    const c = cursor.current;
    if (c.busy) return;
    // Nothing older can exist: the scroll sentinel may still fire once between the last page
    // and the render that removes it, and a window with from == to is a request the server refuses.
    if (c.toMs <= c.lowerBound) return;
    c.busy = true;
    const { generation, camera, label, lowerBound } = c;
    // Only the listing of this generation may change; an older one is already replaced.
    const update = (next: (l: Listing) => Listing) => setListing((l) => (l.generation === generation ? next(l) : l));
    update((l) => ({ ...l, loading: true, error: null }));
    try {
      // Bounded: one page, or a few empty 30-day windows further back.
      for (let attempt = 0; attempt < 4; attempt += 1) {
        const to = c.toMs;
        const from = Math.max(lowerBound, to - windowMs);
        const page = await getEvents({ camera: camera || undefined, from, to, limit: pageSize, ...label.query });
        if (generation !== cursor.current.generation) return;
        if (page.length > 0) {
          // Next page: strictly older than the oldest shown (same-millisecond events are de-duplicated by id).
          c.toMs = page[page.length - 1]!.start + 1;
          c.emptyWindows = 0;
          const full = page.length === pageSize;
          // A short page exhausts this window: continue from its start, if anything can be older.
          if (!full) c.toMs = from;
          const more = full || from > lowerBound;
          update((l) => {
            const seen = new Set(l.events.map((e) => e.id));
            return { events: [...l.events, ...page.filter((e) => !seen.has(e.id))], more, loading: false, error: null, generation };
          });
          return;
        }
        c.emptyWindows += 1;
        c.toMs = from;
        if (from <= lowerBound || c.emptyWindows >= maxEmptyWindows) {
          update((l) => ({ ...l, more: false, loading: false }));
          return;
        }
      }
      update((l) => ({ ...l, loading: false }));
    } catch (error) {
      if (generation !== cursor.current.generation) return;
      const message =
        error instanceof ApiError && error.status === 404 && camera
          ? `there is no camera “${camera}” whose recordings you may see.`
          : (error as Error).message;
      update((l) => ({ ...l, loading: false, more: false, error: message }));
    } finally {
      if (generation === cursor.current.generation) c.busy = false;
    }
  };

  // A new filter starts a new listing.
  useEffect(() => {
    const generation = cursor.current.generation + 1;
    const upperBound = dayStart !== null ? nextLocalDay(dayStart) : null;
    cursor.current = { camera: cameraFilter, label: labelFilter, lowerBound: dayStart ?? 0, toMs: upperBound ?? Date.now() + 1000, emptyWindows: 0, busy: false, generation };
    setListing({ events: [], more: true, loading: true, error: null, generation });
    void loadMore();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cameraFilter, dayKey, labelFilter.value]);

  // Infinite scroll: when the sentinel comes near the viewport, load the next page.
  useEffect(() => {
    const target = sentinel.current;
    if (!target || !listing.more) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void loadMore();
    }, { rootMargin: '600px 0px' });
    observer.observe(target);
    return () => observer.disconnect();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [listing.more, listing.events.length, cameraFilter, dayKey, labelFilter.value]);

  const setFilter = (camera: string, day: string, label = labelFilter.value) => {
    const q: Record<string, string> = {};
    if (camera) q.camera = camera;
    if (day) q.day = day;
    if (label) q.label = label;
    navigate(['events'], Object.keys(q).length ? q : undefined);
  };

  const nameOf = (id: string) => cameras?.find((c) => c.id === id)?.name ?? id;

  return (
    <section class="page events">
      <div class="toolbar events-filters">
        <h2>Events</h2>
        <span class="spacer" />
        <label class="inline">
          Camera
          <select name="camera" value={cameraFilter} onChange={(e) => setFilter((e.target as HTMLSelectElement).value, dayKey)}>
            <option value="">All cameras</option>
            {(cameras ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label class="inline">
          Seen
          <select name="label" value={labelFilter.value} onChange={(e) => setFilter(cameraFilter, dayKey, (e.target as HTMLSelectElement).value)}>
            {labelFilters.map((f) => (
              <option key={f.value} value={f.value}>
                {f.title}
              </option>
            ))}
          </select>
        </label>
        <label class="inline">
          Day
          <input type="date" name="day" value={dayKey} max={localDayKey(Date.now())} onChange={(e) => setFilter(cameraFilter, (e.target as HTMLInputElement).value)} />
        </label>
        {dayKey && (
          <button type="button" class="link" onClick={() => setFilter(cameraFilter, '')}>
            Any day
          </button>
        )}
      </div>

      {listing.error && (
        <p class="error" role="alert">
          Could not load events: {listing.error}
        </p>
      )}
      {!listing.loading && !listing.error && listing.events.length === 0 && (
        <p class="empty-note" role="status">
          {cameras && cameras.length === 0
            ? 'There are no cameras you may see recordings of yet.'
            : `No ${labelFilter.noun} ${dayStart !== null ? `on ${new Date(dayStart).toLocaleDateString()}` : labelFilter.value ? 'lately' : 'recorded lately'}${cameraFilter ? ` on ${nameOf(cameraFilter)}` : ''}. ${labelFilter.value ? '' : ' Events appear here when a camera with motion detection sees something move.'}`}
        </p>
      )}

      <ul class="event-grid">
        {listing.events.map((event) => (
          <li key={event.id}>
            <button
              type="button"
              class={`event-card${event.alert ? ' alert' : ''}${event.labels?.length ? ' labelled' : ''}`}
              data-event-id={event.id}
              data-camera={event.camera}
              data-alert={event.alert ? '1' : undefined}
              onClick={() => setOpen(event)}
              aria-label={`${event.alert ? 'Alert: ' : ''}${whatMoved(event)} on ${nameOf(event.camera)} at ${dateTime(event.start)}`}
            >
              {event.alert && <span class="alert-tag">Alert</span>}
              {event.thumbnail ? (
                <img src={thumbnailUrl(event.id)} alt="" loading="lazy" decoding="async" width={320} height={180} />
              ) : (
                <span class="no-thumb">No picture</span>
              )}
              <span class="event-meta">
                <strong>{nameOf(event.camera)}</strong>
                <span>{dateTime(event.start)}</span>
                <span class="muted">
                  {event.end ? duration(event.end - event.start) : 'ongoing'} · score {Math.round(event.score * 1000) / 10}%
                </span>
                <LabelBadges labels={event.labels ?? []} />
              </span>
            </button>
          </li>
        ))}
      </ul>
      {listing.more && <div ref={sentinel} class="sentinel" aria-hidden="true" />}
      {listing.loading && <p class="muted">Loading events…</p>}
      {!listing.more && listing.events.length > 0 && <p class="muted end-note">That is everything{dayStart !== null ? ' for this day' : ' Hearth still keeps'}.</p>}

      {open && <EventOverlay event={open} cameraName={nameOf(open.camera)} onClose={() => setOpen(null)} />}
    </section>
  );
}

/** "Person", "Car and dog", or "Motion" when nothing was named. */
function whatMoved(event: MotionEvent): string {
  const names = (event.labels ?? []).map((l) => l.label);
  if (names.length === 0) return 'Motion';
  const text = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The clip: recorded playback from 2 s before the event, over the grid. */
function EventOverlay({ event, cameraName, onClose }: { event: MotionEvent; cameraName: string; onClose: () => void }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [onClose]);
  const startMs = event.start - 2000;
  return (
    <div class="event-overlay" role="dialog" aria-modal="true" aria-label={`${whatMoved(event)} on ${cameraName}`} onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="event-overlay-body card">
        <div class="toolbar">
          <strong>{cameraName}</strong>
          <span class="muted">
            {dateTime(event.start)}
            {event.end ? ` – ${clockTime(event.end)}` : ''}
          </span>
          <span class="spacer" />
          <a class="button-link" href={href(['timeline', event.camera], { t: startMs })}>
            Open in timeline
          </a>
          <button type="button" onClick={onClose} aria-label="Close">
            Close
          </button>
        </div>
        <RecordedVideo cameraId={event.camera} startMs={startMs} label={`Motion clip from ${cameraName}`} />
      </div>
    </div>
  );
}
