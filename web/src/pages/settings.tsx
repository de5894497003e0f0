/**
 * Settings (admin): cameras (list, edit, motion masks), adding cameras (discovered
 * or by RTSP URL), users and their camera grants, and the system page.
 */
import type { Me } from '../api.ts';
import { href } from '../router.ts';
import { CameraListSettings } from './settings/cameraList.tsx';
import { CameraEditor } from './settings/cameraEditor.tsx';
import { AddCamera } from './settings/addCamera.tsx';
import { UsersSettings } from './settings/users.tsx';
import { SystemPage } from './system.tsx';
import './settings.css';

const sections = [
  ['cameras', 'Cameras'],
  ['add', 'Add camera'],
  ['users', 'Users'],
  ['system', 'System'],
] as const;

export function SettingsPage({ me, section, parts }: { me: Me; section: string; parts: string[] }) {
  let body;
  if (section === 'cameras' && parts[0]) body = <CameraEditor cameraId={parts[0]} />;
  else if (section === 'add') body = <AddCamera />;
  else if (section === 'users') body = <UsersSettings me={me} />;
  else if (section === 'system') body = <SystemPage me={me} />;
  else body = <CameraListSettings />;
  return (
    <section class="page settings">
      <nav class="tabs" aria-label="Settings">
        {sections.map(([key, label]) => (
          <a key={key} href={href(['settings', key])} aria-current={section === key ? 'page' : undefined}>
            {label}
          </a>
        ))}
      </nav>
      {body}
    </section>
  );
}
