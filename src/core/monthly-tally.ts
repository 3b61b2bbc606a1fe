import type { LoginEvent } from './login-event.js';
import { geoKey, type GeoPlace } from './geo-key.js';
import type { ClientClassifier } from './client-classifier.js';
import type { CountryFilter } from './country-filter.js';
import { checkRunLayout, forkCounterKeys } from './month-layout.js';

/** month → key (`client-…`, `geo-…`) → unique users. The module's host record. */
export type HostRecord = Map<string, Map<string, number>>;

/** What the tally needs to know about the stored statistics; storage implements it. */
export interface StatsView {
  /** The host's record, owned by the view; the tally updates it in place. */
  hostRecord(host: string): HostRecord;
  /** The month this user was last counted in, if ever. */
  lastRecorded(host: string, user: string): string | undefined;
  /**
   * False when the store cannot hold this user's record (a name too long for a file name): the
   * login is skipped and counted, not half-counted. Absent: every name can be stored. Depends on
   * the names only: the tally does not ask again about a user it has just marked.
   */
  storable?(host: string, user: string): boolean;
  /**
   * Told each counted login and the keys it incremented, so a store shared by several processes
   * can commit increments rather than whole records (storage/sql). Absent: nobody listens.
   */
  counted?(host: string, user: string, month: string, keys: readonly string[]): void;
  /** Where the host's record is stored (a file, a row), for messages. Absent: "host <name>". */
  recordName?(host: string): string;
}

/** The ISP of an address (`AS<n>`, or `?` when the ASN database has no number for it). */
export type IspOf = (ip: string | null) => string;

/** The ISP fork's layout (core/month-layout.ts): each login's ISP comes from `isp`. */
export interface ForkIspLayout {
  readonly isp: IspOf;
}

/** How one host counts: its client patterns and its country filter (both per host, SPEC §9). */
export interface HostPolicy {
  readonly classifier: ClientClassifier;
  readonly countries: CountryFilter;
  /** The host's own GeoIP database, when it has one other than the run's. */
  readonly locate?: Locate;
}

/** Finds the place of an address; null when it has no record (or there is no address). */
export type Locate = (ip: string | null) => GeoPlace | null;

export type Outcome = 'counted' | 'already-counted' | 'filtered' | 'late' | 'unstorable';

/** Changes since the last `takeChanges`: the hosts whose record changed, the users now marked. */
export interface TallyChanges {
  readonly hosts: Map<string, HostRecord>;
  readonly users: Map<string, Map<string, string>>;
}

/** What the tally keeps per host between two `takeChanges`: found with one lookup per login. */
interface HostState {
  /** The view's record of the host (updated in place). */
  readonly record: HostRecord;
  readonly policy: HostPolicy;
  /** Users marked since the last `takeChanges`: user → month. Handed over by `takeChanges`. */
  marks: Map<string, string> | undefined;
}

/**
 * The module's per-login rule (SPEC §2), applied in time order:
 * same-month skip → country filter (filtered users stay unmarked) → classify → geo key →
 * increment `client-…` and `geo-…` → mark the user. Logins older than the user's mark are `late`.
 */
export class MonthlyTally {
  private dirtyHosts = new Map<string, HostRecord>();
  private markedUsers = new Map<string, Map<string, string>>();
  /**
   * Per host, since the last `takeChanges` only: the view may hand out other records after a commit
   * (SQL storage reads them again under its locks).
   */
  private hostStates = new Map<string, HostState>();
  private readonly clientKeys = new Map<string, string>();
  private readonly geoKeys = new Map<GeoPlace | null, string>();
  private readonly layoutChecked = new Set<string>();
  /**
   * After a `counted` outcome: the month the user was marked with before this login (by this tally
   * since the last `takeChanges`, or in the store), undefined if none. Backfill learns from it which
   * months each user was counted in without a lookup of its own per login.
   */
  previousMark: string | undefined;

  /** `fork`: count in the ISP fork's layout instead of the module's. */
  constructor(
    private readonly view: StatsView,
    private readonly policyFor: (host: string) => HostPolicy,
    private readonly locate: Locate,
    private readonly fork?: ForkIspLayout,
  ) {}

  record(event: LoginEvent): Outcome {
    const host = event.host;
    const user = event.user;
    const month = event.month;
    let state = this.hostStates.get(host);
    // A user marked in this batch was storable then (the view's answer depends on the names only).
    let last = state?.marks?.get(user);
    if (state === undefined || last === undefined) {
      // Before any read: such a name has no file to read either (and must not reach a path).
      if (this.view.storable?.(host, user) === false) return 'unstorable';
      // Read first, even if this login changes nothing: a corrupt record must stop the run.
      state ??= this.hostState(host);
      last = this.view.lastRecorded(host, user);
    }
    if (last === month) return 'already-counted';
    // Counting a login older than the mark would count the user twice in the later month.
    if (last !== undefined && month < last) return 'late';

    const policy = state.policy;
    const place = (policy.locate ?? this.locate)(event.ip);
    if (!policy.countries.passes(place?.country)) return 'filtered';

    const record = state.record;
    let counts = record.get(month);
    if (!counts) {
      counts = new Map();
      record.set(month, counts);
    }
    const category = policy.classifier.classify(event.resource);
    if (this.fork !== undefined || this.view.counted !== undefined) {
      const keys = this.fork
        ? forkCounterKeys(geoKey(place), category, this.fork.isp(event.ip))
        : [this.clientKey(category), this.geoCounterKey(place)];
      for (const key of keys) increment(counts, key);
      this.view.counted?.(host, user, month, keys);
    } else {
      // The module's two keys, without an array per login.
      increment(counts, this.clientKey(category));
      increment(counts, this.geoCounterKey(place));
    }
    this.markCounted(host, state, user, month);
    this.previousMark = last;
    return 'counted';
  }

  /** The host's state for this batch: its record read (and its layout checked) first. */
  private hostState(host: string): HostState {
    const record = this.view.hostRecord(host);
    if (!this.layoutChecked.has(host)) this.checkLayout(host, record);
    const state: HostState = { record, policy: this.policyFor(host), marks: undefined };
    this.hostStates.set(host, state);
    return state;
  }

  private markCounted(host: string, state: HostState, user: string, month: string): void {
    let marks = state.marks;
    if (marks === undefined) {
      // The first count of the host in this batch.
      this.dirtyHosts.set(host, state.record);
      marks = state.marks = new Map();
      this.markedUsers.set(host, marks);
    }
    marks.set(user, month);
  }

  /** A month of the other layout in this host's record: adding ours would mix the two in one store. */
  private checkLayout(host: string, record: HostRecord): void {
    checkRunLayout(record, this.fork ? 'fork-isp' : 'module', this.view.recordName?.(host) ?? `host ${JSON.stringify(host)}`);
    this.layoutChecked.add(host);
  }

  /** `client-<category>`: a handful of categories, so built once each. */
  private clientKey(category: string): string {
    let key = this.clientKeys.get(category);
    if (key === undefined) this.clientKeys.set(category, (key = `client-${category}`));
    return key;
  }

  /** `geo-<key>` per place object (the GeoIP reader hands out one object per database record). */
  private geoCounterKey(place: GeoPlace | null): string {
    let key = this.geoKeys.get(place);
    if (key === undefined) {
      if (this.geoKeys.size >= 100_000) this.geoKeys.clear();
      this.geoKeys.set(place, (key = `geo-${geoKey(place)}`));
    }
    return key;
  }

  /** Hands over what changed since the last call, for one batch commit. */
  takeChanges(): TallyChanges {
    const changes = { hosts: this.dirtyHosts, users: this.markedUsers };
    this.dirtyHosts = new Map();
    this.markedUsers = new Map();
    this.hostStates = new Map();
    return changes;
  }
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
