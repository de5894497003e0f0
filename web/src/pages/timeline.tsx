// Placeholder while issue 7 is being built: replaced by the real page.
import type { Me } from '../api.ts';

export function TimelinePage({ cameraId }: { cameraId: string; me: Me; query: URLSearchParams }) {
  return <section class="page"><h2>TimelinePage</h2></section>;
}
