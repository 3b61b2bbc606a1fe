import type { GeoIpDatabase } from '../geoip/geoip-database.js';
import type { LoginSource } from './login-source.js';

/**
 * What `check` learns by reading logs through: besides the per-input reports, how many web
 * (BOSH/WebSocket) logins have an address the GeoIP database cannot place — a reverse proxy's
 * private address when Prosody does not trust its X-Forwarded-For (no `trusted_proxies`).
 */
export async function readThrough(source: LoginSource, geoip: GeoIpDatabase | null): Promise<{ webUnplaced: number }> {
  let webUnplaced = 0;
  for await (const batch of source.loginBatches()) {
    if (geoip === null) continue;
    for (const e of batch) {
      if ((e.transport === 'bosh' || e.transport === 'websocket') && e.ip !== null && geoip.locate(e.ip) === null) webUnplaced++;
    }
  }
  return { webUnplaced };
}
