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

/** The module README's own example, as prosody.cfg.lua lines (six lines, `client_patterns` local). */
export const MODULE_README_PATTERNS_LUA = [
  'local client_patterns = {};',
  'client_patterns["^zom%d+.*"] = "IOS";',
  'client_patterns["^Zom-.*"] = "IOS";',
  'client_patterns["^chatsecure%d+.*"] = "IOS";',
  'client_patterns["^ChatSecureZom-.*"] = "ANDROID";',
  'client_patterns["^Conversations%..*"] = "ANDROID";',
];
