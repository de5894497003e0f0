// Entry of the detector's worker thread when Hearth runs from src/ (dev checkout, tests): tsx's
// loader is registered per thread, so register it here, then run the real entry. The compiled
// build never loads this file (objectDetector.ts starts dist/objects/detectorThread.js).
import { register } from 'tsx/esm/api';

register();
await import('./detectorThread.ts');
