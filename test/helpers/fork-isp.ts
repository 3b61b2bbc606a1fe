import { join } from 'node:path';
import { fixture } from './paths.js';

/** The real ISP fork's capture (fixtures/prosody-0.12-fork-isp/README.md). */
export const FORK = fixture('prosody-0.12-fork-isp');
export const FORK_CITY = join(FORK, 'test-GeoIP2-City.mmdb');
export const FORK_ASN = join(FORK, 'test-GeoLite2-ASN.mmdb');
export const FORK_LOG = join(FORK, 'fork-isp.debug.log');

/** The fork's options of the capture (capture/prosody.cfg.lua.in), as flags. */
export const FORK_OPTIONS = [
  '--layout', 'fork-isp', '--mmdb', FORK_CITY, '--asn-mmdb', FORK_ASN, '--record-country', 'DE,AT,US,CN,GB,JP',
  ...['^zom%d+.*=IOS', '^Zom-.*=IOS', '^chatsecure%d+.*=IOS', '^Conversations%..*=ANDROID', '^Gajim=DESKTOP'].flatMap((p) => ['--client-pattern', p]),
  '--timezone', 'UTC', '--year', '2026',
];
