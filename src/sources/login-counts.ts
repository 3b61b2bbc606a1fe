import type { LoginEvent } from '../core/login-event.js';

/** What the logins read from one input could tell: addresses, resources, web sessions (SPEC §4). */
export interface LoginCounts {
  logins: number;
  loginsWithIp: number;
  loginsWithResource: number;
  /** Logins over BOSH or WebSocket. */
  webLogins: number;
  /** Web logins whose only address was the reverse proxy's (counted without a place). */
  proxyOnlyLogins: number;
}

export function emptyLoginCounts(): LoginCounts {
  return { logins: 0, loginsWithIp: 0, loginsWithResource: 0, webLogins: 0, proxyOnlyLogins: 0 };
}

export function countLogin(counts: LoginCounts, e: LoginEvent): void {
  counts.logins++;
  if (e.ip !== null) counts.loginsWithIp++;
  if (e.resource !== null) counts.loginsWithResource++;
  if (e.transport === 'bosh' || e.transport === 'websocket') counts.webLogins++;
  if (e.proxyOnly === true) counts.proxyOnlyLogins++;
}
