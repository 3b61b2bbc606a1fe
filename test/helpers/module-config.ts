/**
 * The client patterns of the module's README, in the order the fixtures' README lists them, plus
 * `^Gajim`=DESKTOP: the configuration every real fixture was captured or computed with.
 */
export const MODULE_README_PATTERNS = [
  '^zom%d+.*=IOS',
  '^Zom-.*=IOS',
  '^chatsecure%d+.*=IOS',
  '^ChatSecureZom-.*=ANDROID',
  '^Conversations%..*=ANDROID',
  '^Gajim=DESKTOP',
].flatMap((p) => ['--client-pattern', p]);
