/**
 * Human names for the parts of a geo key. Countries are named by the ICU data Node ships
 * (`Intl.DisplayNames`); subdivisions and cities only by a locations file (`--locations`), since a
 * geo key holds just an ISO code and a GeoNames id. Without a name the code or id itself is shown.
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
  private readonly regions = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

  constructor(private readonly locations?: LocationNames) {}

  country(code: string): string {
    if (code === UNKNOWN) return UNKNOWN_NAME;
    try {
      return this.regions.of(code) ?? code;
    } catch {
      return code; // not a well-formed region code (RangeError): show it as it is
    }
  }

  /** `Hesse, Germany`, or `HE, Germany` without a locations file. */
  subdivision(place: GeoPlaceKey): string {
    const sub = place.subdivision === UNKNOWN ? UNKNOWN_NAME : (this.locations?.subdivision(place.country, place.subdivision) ?? place.subdivision);
    return `${sub}, ${this.country(place.country)}`;
  }

  /** `Frankfurt am Main (DE-HE)`, or `2925533 (DE-HE)` without a locations file. */
  city(place: GeoPlaceKey): string {
    const city = place.city === UNKNOWN ? UNKNOWN_NAME : (this.locations?.city(place.city) ?? place.city);
    return `${city} (${place.country}-${place.subdivision})`;
  }

  client(category: string): string {
    return category === UNKNOWN ? 'unknown client' : category;
  }
}
