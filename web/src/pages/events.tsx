// Placeholder while issue 7 is being built: replaced by the real page.
import type { Me } from '../api.ts';

export function EventsPage(_props: { me: Me; query: URLSearchParams }) {
  return <section class="page"><h2>EventsPage</h2></section>;
}
