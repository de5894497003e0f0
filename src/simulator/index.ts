/** The camera simulator: stands in for real IP cameras in tests, benchmarks, `hearth simulate` and `--demo`. */
export { startSimulator, SimulatorError, type Simulator, type SimulatorOptions } from './simulator.ts';
export {
  SimulatedCamera,
  CameraError,
  type CameraAddress,
  type CameraCompanion,
  type GroundTruth,
  type StreamName,
} from './camera.ts';
export { scenePresets, sceneScript, type ScenePreset, type GroundTruthKind, type GroundTruthInterval } from './scene.ts';
export { cameraCodeForSerial, readFrameCode, wallSecondsOf, wallSecondsDiff, type FrameCode } from './frameCode.ts';
