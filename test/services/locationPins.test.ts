// Location pins → the nearest LESA locality (services/directory.ts placeAt, data/lesa.coordinates.json): every
// locality of the directory has coordinates; a pin resolves like the typed name would; pins outside the bounding box,
// farther than the limit from every locality, or not numbers at all are not placed (the bot then says so).
import { describe, expect, it } from 'vitest';
import { Directory, distanceKm, loadLocalityCoordinates, placeAt } from '../../services/directory.js';

const directory = Directory.loadDefault();
const coordinates = loadLocalityCoordinates();

describe('location pins', () => {
  it('every locality of the directory has coordinates inside the bounding box', () => {
    const box = coordinates.boundingBox;
    for (const locality of directory.localities()) {
      const point = coordinates.localities[locality.name];
      expect(point, locality.name).toBeDefined();
      expect(point![0]).toBeGreaterThan(box.south);
      expect(point![0]).toBeLessThan(box.north);
      expect(point![1]).toBeGreaterThan(box.west);
      expect(point![1]).toBeLessThan(box.east);
    }
  });

  it('a pin resolves to the nearest locality, routed as the typed name is', () => {
    const [lat, lon] = coordinates.localities['Charbagh']!;
    const pin = placeAt(directory, lat + 0.001, lon - 0.001);
    expect(pin).toMatchObject({ inside: true, locality: 'Charbagh', place: directory.resolvePlace({ locality: 'Charbagh' }) });
    expect(pin.inside && pin.distanceKm).toBeLessThan(0.2);
  });

  it('refuses pins outside the box, too far from every locality, or not numbers', () => {
    expect(placeAt(directory, 28.6139, 77.209)).toEqual({ inside: false, reason: 'outside_box' }); // New Delhi
    const far = placeAt(directory, 26.705, 81.09);
    expect(far).toMatchObject({ inside: false, reason: 'too_far' });
    expect(far.inside === false && far.nearestKm).toBeGreaterThan(coordinates.maxDistanceKm);
    expect(placeAt(directory, Number.NaN, 80.9)).toEqual({ inside: false, reason: 'invalid' });
    expect(placeAt(directory, 91, 80.9)).toEqual({ inside: false, reason: 'invalid' });
  });

  it('measures distance on the sphere (Charbagh to Hazratganj is about 3 km)', () => {
    const km = distanceKm(coordinates.localities['Charbagh']!, coordinates.localities['Hazratganj']!);
    expect(km).toBeGreaterThan(2.5);
    expect(km).toBeLessThan(3.5);
  });
});
