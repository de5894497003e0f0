// Placeholder while issue 7 is being built: replaced by the real page.
import type { Me } from '../api.ts';

export function LiveGridPage({ me }: { me: Me }) {
  return <section class="page"><h2>LiveGridPage</h2></section>;
}
