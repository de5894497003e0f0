// Placeholder while issue 7 is being built: replaced by the real page.
import type { Me } from '../api.ts';

export function CameraPage({ cameraId }: { cameraId: string; me: Me }) {
  return <section class="page"><h2>CameraPage</h2></section>;
}
