/**
 * Topic names and Home Assistant MQTT discovery payloads (pure: no client here).
 * Each camera becomes one HA device with a motion binary_sensor, a state sensor, an
 * image entity fed by the thumbnail topic, and per object kind (person, vehicle, animal)
 * an occupancy binary_sensor and an image of the last frame that kind was seen in.
 * Availability follows Hearth's last-will topic, so HA greys the entities out when
 * Hearth or the broker link dies.
 */
import { objectKinds, type ObjectKind } from '../objects/labels.ts';

export interface MqttTopics {
  availability: string;
  state(cameraId: string): string;
  motion(cameraId: string): string;
  event(cameraId: string): string;
  thumbnail(cameraId: string): string;
  /** ON while an open event of the camera has a label of this kind. */
  kind(cameraId: string, kind: ObjectKind): string;
  kindThumbnail(cameraId: string, kind: ObjectKind): string;
}

export function mqttTopics(prefix: string): MqttTopics {
  return {
    availability: `${prefix}/status`,
    state: (id) => `${prefix}/${id}/state`,
    motion: (id) => `${prefix}/${id}/motion`,
    event: (id) => `${prefix}/${id}/event`,
    thumbnail: (id) => `${prefix}/${id}/thumbnail`,
    kind: (id, kind) => `${prefix}/${id}/${kind}`,
    kindThumbnail: (id, kind) => `${prefix}/${id}/${kind}/thumbnail`,
  };
}

export const homeAssistantDiscoveryPrefix = 'homeassistant';

export interface DiscoveryMessage {
  topic: string;
  payload: string;
}

/** Retained config messages; an empty payload on the same topic would remove the entity. */
export function discoveryMessages(prefix: string, camera: { id: string; name: string }): DiscoveryMessage[] {
  const topics = mqttTopics(prefix);
  // Object ids may only hold [a-zA-Z0-9_-]; camera ids are slugs, the prefix may not be.
  const node = `${prefix}_${camera.id}`.replace(/[^a-zA-Z0-9_-]/g, '_');
  const device = { identifiers: [node], name: camera.name, manufacturer: 'Hearth', model: 'Hearth NVR camera' };
  const common = { device, availability_topic: topics.availability, payload_available: 'online', payload_not_available: 'offline' };
  const config = (component: string, object: string, body: Record<string, unknown>): DiscoveryMessage => ({
    topic: `${homeAssistantDiscoveryPrefix}/${component}/${node}/${object}/config`,
    payload: JSON.stringify({ ...common, unique_id: `${node}_${object}`, object_id: `${node}_${object}`, ...body }),
  });
  const kinds = objectKinds.flatMap((kind) => [
    // Occupancy, not motion: "a person is there" is what HA users (and Frigate's sensors) mean by it.
    config('binary_sensor', kind, { name: kindNames[kind], device_class: 'occupancy', icon: kindIcons[kind], state_topic: topics.kind(camera.id, kind), payload_on: 'ON', payload_off: 'OFF' }),
    config('image', `${kind}_thumbnail`, { name: `Last ${kind}`, image_topic: topics.kindThumbnail(camera.id, kind), content_type: 'image/jpeg' }),
  ]);
  return [
    config('binary_sensor', 'motion', { name: 'Motion', device_class: 'motion', state_topic: topics.motion(camera.id), payload_on: 'ON', payload_off: 'OFF' }),
    config('sensor', 'state', { name: 'Recording state', state_topic: topics.state(camera.id), icon: 'mdi:cctv' }),
    config('image', 'thumbnail', { name: 'Last motion', image_topic: topics.thumbnail(camera.id), content_type: 'image/jpeg' }),
    ...kinds,
  ];
}

/** HA prefixes the device name: "Porch Person". */
const kindNames: Record<ObjectKind, string> = { person: 'Person', vehicle: 'Vehicle', animal: 'Animal' };
const kindIcons: Record<ObjectKind, string> = { person: 'mdi:account', vehicle: 'mdi:car', animal: 'mdi:paw' };
