// Placeholder while issue 7 is being built: replaced by the real page.
import type { Me } from '../api.ts';

export function SettingsPage({ section }: { me: Me; section: string; parts: string[] }) {
  return <section class="page"><h2>SettingsPage</h2></section>;
}
