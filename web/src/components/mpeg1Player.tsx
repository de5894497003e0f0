/**
 * The fallback live view: MPEG-1 in MPEG-TS from /api/cameras/:id/live.ts, decoded by
 * JSMpeg (in JavaScript: the CSP allows no WebAssembly compile) onto a canvas. Used when
 * the browser cannot decode the camera's own codec (H.265 in most). The server starts
 * the transcoder for the first viewer and stops it after the last one leaves.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import JSMpeg, { type JSMpegDestination, type JSMpegPlayerOptions } from '@cycjimmy/jsmpeg-player';

/** JSMpeg's own Fetch source cannot be cancelled; this one aborts its request on destroy. */
class AbortableFetchSource {
  streaming = true;
  completed = false;
  established = false;
  progress = 0;
  private destination: JSMpegDestination | null = null;
  private readonly controller = new AbortController();

  constructor(
    private readonly url: string,
    private readonly options: JSMpegPlayerOptions & { onEnded?: (error: string | null) => void },
  ) {}

  connect(destination: JSMpegDestination): void {
    this.destination = destination;
  }

  start(): void {
    fetch(this.url, { credentials: 'same-origin', cache: 'no-store', signal: this.controller.signal })
      .then(async (response) => {
        if (!response.ok || !response.body) {
          this.options.onEnded?.(response.status === 503 ? 'The camera is not streaming right now.' : `The server answered ${response.status}.`);
          return;
        }
        this.established = true;
        this.progress = 1;
        this.options.onSourceEstablished?.(this);
        const reader = response.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          this.destination?.write(value.slice().buffer);
        }
        this.completed = true;
        this.options.onEnded?.(null);
      })
      .catch((error: unknown) => {
        if (!this.controller.signal.aborted) this.options.onEnded?.((error as Error).message);
      });
  }

  resume(): void {}

  destroy(): void {
    this.controller.abort();
  }
}

export function Mpeg1Player({ cameraId, label }: { cameraId: string; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [generation, setGeneration] = useState(0);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    if (!canvas.current) return;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const options: JSMpegPlayerOptions & { onEnded: (error: string | null) => void } = {
      canvas: canvas.current,
      autoplay: true,
      audio: false,
      streaming: true,
      disableWebAssembly: true,
      videoBufferSize: 2 * 1024 * 1024,
      onVideoDecode: () => setProblem(null),
      onEnded: (error) => {
        setProblem(error ?? 'The stream ended; reconnecting…');
        // The camera reconnected or the transcoder restarted: open it again, bounded by the page's life.
        retry = setTimeout(() => setGeneration((g) => g + 1), 3000);
      },
    };
    options.source = class extends AbortableFetchSource {
      constructor(url: string) {
        super(url, options);
      }
    };
    const player = new JSMpeg.Player(`/api/cameras/${encodeURIComponent(cameraId)}/live.ts`, options);
    return () => {
      clearTimeout(retry);
      player.destroy();
    };
  }, [cameraId, generation]);

  return (
    <div class="mpeg1-player">
      <canvas ref={canvas} aria-label={label} data-player="mpeg1" />
      {problem && <p class="muted small mpeg1-problem">{problem}</p>}
    </div>
  );
}
