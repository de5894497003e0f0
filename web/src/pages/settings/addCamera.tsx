/**
 * Adding a camera: pick one Hearth found on the LAN (ONVIF), give its username and
 * password, and Hearth checks them before storing anything; or type an RTSP URL for a
 * camera without ONVIF (its identity then stays "unverified").
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../api.ts';
import { addManualCamera, adoptCamera, getDiscovery, probeDiscovery, type AdoptedCamera, type DiscoveredDevice, type DiscoveryResults } from '../../settingsApi.ts';
import { href } from '../../router.ts';
import { ErrorAlert } from '../../components/errorAlert.tsx';

const message = (e: unknown) => (e instanceof ApiError ? e.message : 'Hearth did not answer; check that it is running.');

export function AddCamera() {
  const [results, setResults] = useState<DiscoveryResults | null>(null);
  const [probing, setProbing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [chosen, setChosen] = useState<DiscoveredDevice | null>(null);
  const [adopted, setAdopted] = useState<AdoptedCamera | null>(null);

  useEffect(() => {
    getDiscovery()
      .then(setResults)
      .catch((e) => setError(message(e)));
  }, []);

  const probe = async () => {
    setProbing(true);
    setError(null);
    try {
      setResults(await probeDiscovery());
    } catch (e) {
      setError(message(e));
    } finally {
      setProbing(false);
    }
  };

  if (adopted) {
    return (
      <div class="card" role="status">
        <h2>Added {adopted.name}</h2>
        <p>
          {adopted.identity.verified
            ? `Identity: serial ${adopted.identity.serial}${adopted.identity.model ? ` (${adopted.identity.manufacturer ?? ''} ${adopted.identity.model})` : ''}. Hearth checks it at every connect.`
            : 'Identity unverified: this camera has no ONVIF, so Hearth cannot check that the device at this address is still this camera.'}
        </p>
        {adopted.streams && (
          <p class="small muted">
            Main stream <code>{adopted.streams.main}</code>
            {adopted.streams.sub && (
              <>
                , sub stream <code>{adopted.streams.sub}</code>
              </>
            )}
          </p>
        )}
        <div class="toolbar">
          <a href={href(['camera', adopted.id])}>Watch it live</a>
          <a href={href(['settings', 'cameras', adopted.id])}>Edit its settings</a>
          <button type="button" onClick={() => (setAdopted(null), setChosen(null))}>
            Add another
          </button>
        </div>
      </div>
    );
  }

  return (
    <div class="add-camera">
      <div class="card">
        <div class="toolbar">
          <h2>Cameras on your network</h2>
          <span class="spacer" />
          <button type="button" onClick={probe} disabled={probing}>
            {probing ? 'Searching…' : 'Search again'}
          </button>
        </div>
        <ErrorAlert message={error} />
        {results?.problem && <p class="notice">{results.problem}</p>}
        {results && !results.problem && (
          <p class="muted small">
            {results.atMs ? `Last searched ${new Date(results.atMs).toLocaleTimeString()}` : 'Not searched yet'}
            {results.interfaces.length > 0 && ` on ${results.interfaces.join(', ')}`}.
          </p>
        )}
        {results && results.devices.length === 0 && !results.problem && <p>No ONVIF camera answered. Check that the camera is powered and on the same network, or add it by RTSP URL below.</p>}
        <ul class="devices">
          {results?.devices.map((d) => (
            <li key={d.urn} class={chosen?.urn === d.urn ? 'chosen' : undefined}>
              <div>
                <strong>{d.name ?? 'ONVIF device'}</strong> <span class="muted">{d.hardware ?? ''}</span>
                <div class="small muted">{d.address}</div>
              </div>
              {d.adoptedAs ? (
                <a href={href(['settings', 'cameras', d.adoptedAs])}>added as {d.adoptedAs}</a>
              ) : (
                <button type="button" onClick={() => setChosen(d)} aria-pressed={chosen?.urn === d.urn}>
                  Add…
                </button>
              )}
            </li>
          ))}
        </ul>
        {!chosen && <AddressForm onChoose={setChosen} />}
        {chosen && <AdoptForm device={chosen} onAdopted={setAdopted} onCancel={() => setChosen(null)} />}
      </div>
      <ManualForm onAdded={setAdopted} />
    </div>
  );
}

function AdoptForm({ device, onAdopted, onCancel }: { device: DiscoveredDevice; onAdopted: (c: AdoptedCamera) => void; onCancel: () => void }) {
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [name, setName] = useState(device.name ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const onvifUrl = device.xaddrs[0] ?? '';

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onAdopted(await adoptCamera({ onvifUrl, username, password, ...(name.trim() ? { name: name.trim() } : {}) }));
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="adopt-form" onSubmit={submit} aria-label="Camera credentials">
      <h3>Add {device.name ?? device.address}</h3>
      <p class="small muted">
        Hearth logs in to <code>{onvifUrl}</code>, reads the camera's serial number and streams, and stores nothing unless the password is right.
      </p>
      <label>
        Name
        <input name="name" value={name} maxLength={80} onInput={(e) => setName(e.currentTarget.value)} placeholder="e.g. Front door" />
      </label>
      <label>
        Camera username
        <input name="username" autocomplete="off" value={username} onInput={(e) => setUsername(e.currentTarget.value)} required />
      </label>
      <label>
        Camera password
        <input name="password" type="password" autocomplete="off" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
      </label>
      <ErrorAlert message={error} />
      <div class="toolbar">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Add camera'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function ManualForm({ onAdded }: { onAdded: (c: AdoptedCamera) => void }) {
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [main, setMain] = useState('');
  const [sub, setSub] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const added = await addManualCamera({ id: id.trim(), name: name.trim(), rtspMain: main.trim(), ...(sub.trim() ? { rtspSub: sub.trim() } : {}) });
      onAdded({ ...added, name: name.trim() });
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card" onSubmit={submit} aria-label="Add by RTSP URL">
      <h2>Add by RTSP URL</h2>
      <p class="small muted">For a camera without ONVIF. Hearth cannot check its identity, so it is marked "unverified".</p>
      <div class="grid-2">
        <label>
          Id (letters, digits, dashes)
          <input name="id" value={id} pattern="[a-z0-9-]{1,40}" onInput={(e) => setId(e.currentTarget.value)} placeholder="garage" required />
        </label>
        <label>
          Name
          <input name="name" value={name} maxLength={80} onInput={(e) => setName(e.currentTarget.value)} placeholder="Garage" required />
        </label>
      </div>
      <label>
        Main stream URL
        <input name="rtspMain" value={main} onInput={(e) => setMain(e.currentTarget.value)} placeholder="rtsp://user:pass@192.168.1.20:554/stream1" required />
      </label>
      <label>
        Sub stream URL (optional, used for motion)
        <input name="rtspSub" value={sub} onInput={(e) => setSub(e.currentTarget.value)} placeholder="rtsp://user:pass@192.168.1.20:554/stream2" />
      </label>
      <ErrorAlert message={error} />
      <button type="submit" class="primary" disabled={busy}>
        Add camera
      </button>
    </form>
  );
}

/** A camera on another subnet or VLAN does not answer the search: its address still works. */
function AddressForm({ onChoose }: { onChoose: (d: DiscoveredDevice) => void }) {
  const [address, setAddress] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (event: Event) => {
    event.preventDefault();
    const text = address.trim();
    const url = /^https?:\/\//.test(text) ? text : `http://${text}/onvif/device_service`;
    try {
      new URL(url);
    } catch {
      setError('That is not an address; type the camera\'s IP address, e.g. 192.168.1.20, or its ONVIF URL.');
      return;
    }
    setError(null);
    onChoose({ urn: `manual:${url}`, address: text, xaddrs: [url], name: null, hardware: null, adoptedAs: null });
  };
  return (
    <form class="toolbar address-form" onSubmit={submit} aria-label="Add by ONVIF address">
      <label>
        Not in the list? Camera IP address or ONVIF URL
        <input name="onvifAddress" value={address} onInput={(e) => setAddress(e.currentTarget.value)} placeholder="192.168.1.20" />
      </label>
      <button type="submit">Use this address</button>
      <ErrorAlert message={error} />
    </form>
  );
}
