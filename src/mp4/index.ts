/**
 * The one MP4 reader, for the server and the browser alike (web/tsconfig.json includes
 * this folder): pure TypeScript over Uint8Array, no Node and no DOM imports.
 */
export { walkBoxes, childBoxes, topBoxes, type Box, type Walk, type WalkStop } from './boxes.ts';
export { codecName, sampleEntryCodec } from './codecStrings.ts';
export {
  readInit, scanInit, trackDefaults, initSegmentLength, streamCodecs, noTrackDefaults,
  type InitInfo, type InitScan, type TrackInfo, type TrackKind, type TrackDefaults, type StreamCodecs,
} from './initSegment.ts';
export { fragmentStart, firstDecodeTime, videoSamples, readTrackFragment, isSyncSample, type FragmentStart, type VideoSample, type TrackFragment } from './fragments.ts';
export { segmentFacts, type SegmentFacts } from './segmentFacts.ts';
