/**
 * The officially assigned ISO 3166-1 alpha-2 codes (249, as of ISO 3166-1:2020 and its newsletters
 * up to 2024; checked in test/unit/iso-countries.test.ts against Debian's iso-codes package), the
 * only values a GeoIP database's `country.iso_code` can hold, plus MaxMind's `XK` (Kosovo, a
 * user-assigned code MaxMind databases use). A `record_country` outside this list would filter
 * out every login without a word.
 */
const ASSIGNED =
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
  'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP ' +
  'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT ' +
  'MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
  'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ ' +
  'UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW';

export const ISO_3166_ALPHA2: ReadonlySet<string> = new Set(ASSIGNED.split(' '));

/** Codes MaxMind databases use that ISO has not assigned. */
export const MAXMIND_EXTRA_CODES: ReadonlySet<string> = new Set(['XK']);

/** Codes people write that are not assigned, with what to write instead. */
const INSTEAD: Readonly<Record<string, string>> = {
  UK: 'GB (the United Kingdom)',
  EL: 'GR (Greece)',
  EU: "the member states' codes (the European Union is not a country in GeoIP databases)",
  FX: 'FR (France)',
  AN: 'BQ, CW, SX (the former Netherlands Antilles)',
  YU: 'RS, ME (the former Yugoslavia)',
  CS: 'RS, ME (the former Serbia and Montenegro)',
  TP: 'TL (Timor-Leste)',
  ZR: 'CD (DR Congo)',
  BU: 'MM (Myanmar)',
};

/** True for a code a GeoIP database can report as a login's country. */
export function isCountryCode(code: string): boolean {
  return ISO_3166_ALPHA2.has(code) || MAXMIND_EXTRA_CODES.has(code);
}

/** What to write instead of `code`, when there is a well-known answer. */
export function countryCodeInstead(code: string): string | undefined {
  return Object.hasOwn(INSTEAD, code) ? INSTEAD[code] : undefined;
}
