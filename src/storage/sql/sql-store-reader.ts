import { byCodePoint, type StoreReader } from '../store-reader.js';
import type { SqlStats } from './sql-stats.js';

/** The statistics of an SQL store as a StoreReader (inside `transact`: what is committed now). */
export function sqlStoreReader(stats: SqlStats): StoreReader {
  return {
    label: stats.conn.label,
    hosts: () => stats.listHosts(),
    hostRecord: (host) => stats.readHostRecord(host),
    lastRecorded: (host, user) => stats.readLastRecorded(host, user),
    marks: (host) => [...stats.listMarks(host)].sort(([a], [b]) => byCodePoint(a, b)).map(([user, lastRecorded]) => ({ user, lastRecorded })),
  };
}
