import { Reader, type CityResponse } from 'maxmind';
import type { GeoPlace } from '../core/geo-key.js';

const CACHE_LIMIT = 100_000;

/** The three fields of the geo key through `maxmind`'s Reader, its decoded records cached by data offset. */
export class MaxmindPlaces {
  private readonly byOffset = new Map<string | number, unknown>();
  private readonly reader: Reader<CityResponse>;

  constructor(bytes: Buffer) {
    const cache = this.byOffset;
    this.reader = new Reader<CityResponse>(bytes, {
      cache: {
        get: (key) => cache.get(key),
        set: (key, value) => {
          if (cache.size >= CACHE_LIMIT) cache.clear();
          cache.set(key, value);
        },
      },
    });
  }

  locate(address: string): GeoPlace | null {
    const r = this.reader.get(address);
    if (!r) return null;
    return { country: r.country?.iso_code, subdivision: r.subdivisions?.[0]?.iso_code, city: r.city?.geoname_id };
  }
}
