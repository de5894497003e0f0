/** What the motion detector says about one frame; read by the event machine and the block map. */
/** The detector's verdict on one frame. One object, reused: copy what you keep. */
export interface FrameVerdict {
  motion: boolean;
  /** Changed area after noise suppression, as a fraction of the watched area (0..1). */
  score: number;
  /** Bounding box of the changed blocks in 0..1 coordinates; meaningful when score > 0. */
  regionX: number;
  regionY: number;
  regionW: number;
  regionH: number;
  /** True when the whole scene changed (light, IR) and the background was re-seeded. */
  globalChange: boolean;
}
