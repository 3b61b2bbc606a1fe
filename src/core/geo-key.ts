/** The place of a login as the GeoIP database describes it; any part may be unknown. */
export interface GeoPlace {
  readonly country?: string;
  readonly subdivision?: string;
  readonly city?: number | string;
}

const UNKNOWN = '?';

/**
 * The module's geo key: `<country iso>-<first subdivision iso>-<city geoname id>`, `?` for a
 * missing part; an address without any record is `?-?-?` (the module would crash instead).
 */
export function geoKey(place: GeoPlace | null): string {
  if (!place) return `${UNKNOWN}-${UNKNOWN}-${UNKNOWN}`;
  const part = (v: string | number | undefined) => (v === undefined || v === '' ? UNKNOWN : String(v));
  return `${part(place.country)}-${part(place.subdivision)}-${part(place.city)}`;
}
