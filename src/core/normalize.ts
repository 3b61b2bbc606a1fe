/**
 * Name normalisation the way the servers do it, so `Alice@Example.COM` and `alice@example.com`
 * are one user (SPEC §2). Prosody's nodeprep/nameprep case-fold and NFKC-normalise; resourceprep
 * only NFKC-normalises. ejabberd logs names as the client sent them, so we apply the same here.
 */

// Printable ASCII without upper-case letters: already normal, the common case, so skip the work.
const PLAIN_LOWER_ASCII = /^[\x21-\x40\x5b-\x7e]*$/;
const PLAIN_ASCII = /^[\x20-\x7e]*$/;
// Printable ASCII: NFKC leaves it as it is and nothing in it maps to nothing, so only case folds.
const PRINTABLE_ASCII = /^[\x21-\x7e]*$/;
// Stringprep table B.1, "commonly mapped to nothing" (soft hyphen, zero-width joiners, variation
// selectors, BOM): nodeprep, nameprep and resourceprep all delete these before NFKC.
const MAPPED_TO_NOTHING = /[\u00ad\u034f\u1806\u180b-\u180d\u200b-\u200d\u2060\ufe00-\ufe0f\ufeff]/g;

/** Node (username) or domain: case-fold + NFKC. */
export function normalizeName(name: string): string {
  if (PLAIN_LOWER_ASCII.test(name)) return name;
  if (PRINTABLE_ASCII.test(name)) return name.toLowerCase();
  // Fold, compose compatibility forms, fold again: NFKC can produce upper case (e.g. fullwidth A).
  return name.replace(MAPPED_TO_NOTHING, '').toLowerCase().normalize('NFKC').toLowerCase();
}

/** Resource: NFKC only; case is significant in resources. */
export function normalizeResource(resource: string): string {
  if (PLAIN_ASCII.test(resource)) return resource;
  return resource.replace(MAPPED_TO_NOTHING, '').normalize('NFKC');
}
