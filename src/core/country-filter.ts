/**
 * `record_country`: `ALL`, or the ISO codes whose logins are counted. The module takes one code;
 * a list is our extension. A login whose country is unknown passes only `ALL`.
 */
export class CountryFilter {
  static readonly ALL = new CountryFilter(null);

  private constructor(private readonly countries: ReadonlySet<string> | null) {}

  /** `codes` are already validated upper-case ISO 3166-1 alpha-2 codes. */
  static only(codes: Iterable<string>): CountryFilter {
    return new CountryFilter(new Set(codes));
  }

  get isAll(): boolean {
    return this.countries === null;
  }

  passes(country: string | undefined): boolean {
    if (this.countries === null) return true;
    return country !== undefined && this.countries.has(country);
  }

  toString(): string {
    return this.countries === null ? 'ALL' : [...this.countries].join(',');
  }
}
