/**
 * Human names for the parts of a geo key. Countries are named by the ICU data Node ships
 * (`Intl.DisplayNames`); subdivisions and cities by a locations file (`--locations`) or the City
 * database (`--mmdb`), in that order, since a geo key holds just an ISO code and a GeoNames id.
 * Without a name the code or id itself is shown.
 */
import { UNKNOWN } from './counters.js';

export interface GeoPlaceKey {
  readonly country: string;
  readonly subdivision: string;
  readonly city: string;
}

/** Names read from a GeoLite2/GeoNames locations file (locations-csv.ts). */
export interface LocationNames {
  city(geonameId: string): string | undefined;
  subdivision(country: string, code: string): string | undefined;
}

const UNKNOWN_NAME = 'unknown';

export class PlaceNames {
  private readonly regions: Intl.DisplayNames;

  /** `sources`: where city and subdivision names come from, the first that has one wins. */
  constructor(
    private readonly sources: readonly LocationNames[] = [],
    language = 'en',
  ) {
    this.regions = new Intl.DisplayNames([language, 'en'], { type: 'region', fallback: 'code' });
  }

  private cityName(id: string): string | undefined {
    for (const s of this.sources) {
      const name = s.city(id);
      if (name !== undefined) return name;
    }
    return undefined;
  }

  private subdivisionName(country: string, code: string): string | undefined {
    for (const s of this.sources) {
      const name = s.subdivision(country, code);
      if (name !== undefined) return name;
    }
    return undefined;
  }

  country(code: string): string {
    if (code === UNKNOWN) return UNKNOWN_NAME;
    try {
      return this.regions.of(code) ?? code;
    } catch {
      return code; // not a well-formed region code (RangeError): show it as it is
    }
  }

  /** `Hesse, Germany`, or `HE, Germany` without a name for it. */
  subdivision(place: GeoPlaceKey): string {
    const sub = place.subdivision === UNKNOWN ? UNKNOWN_NAME : (this.subdivisionName(place.country, place.subdivision) ?? place.subdivision);
    return `${sub}, ${this.country(place.country)}`;
  }

  /** `Frankfurt am Main (DE-HE)`, or `2925533 (DE-HE)` without a name for it. */
  city(place: GeoPlaceKey): string {
    const city = place.city === UNKNOWN ? UNKNOWN_NAME : (this.cityName(place.city) ?? place.city);
    return `${city} (${place.country}-${place.subdivision})`;
  }

  client(category: string): string {
    return category === UNKNOWN ? 'unknown client' : category;
  }
}
