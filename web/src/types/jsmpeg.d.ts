// The parts of @cycjimmy/jsmpeg-player (JSMpeg) the fallback live view uses; it ships no types.
declare module '@cycjimmy/jsmpeg-player' {
  export interface JSMpegDestination {
    write(data: ArrayBuffer): void;
  }
  export interface JSMpegPlayerOptions {
    canvas?: HTMLCanvasElement;
    source?: new (url: string, options: JSMpegPlayerOptions) => unknown;
    autoplay?: boolean;
    audio?: boolean;
    loop?: boolean;
    streaming?: boolean;
    disableWebAssembly?: boolean;
    disableGl?: boolean;
    videoBufferSize?: number;
    onVideoDecode?: (decoder: unknown, time: number) => void;
    onSourceEstablished?: (source: unknown) => void;
    onSourceCompleted?: (source: unknown) => void;
  }
  export class Player {
    constructor(url: string, options: JSMpegPlayerOptions);
    play(): void;
    pause(): void;
    destroy(): void;
  }
  const JSMpeg: { Player: typeof Player };
  export default JSMpeg;
}
