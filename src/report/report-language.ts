import { UsageError } from '../errors.js';

const LANGUAGE = /^[a-z]{2,3}(?:-[A-Z][A-Za-z]{1,3})?$/;

/**
 * The language of a report's names: `--lang`, else the locale's (`LC_ALL`, `LC_MESSAGES`, `LANG`:
 * `de_DE.UTF-8` → `de`, `pt_BR` → `pt-BR`, `zh_CN` → `zh-CN`, the forms MaxMind's databases use),
 * else English.
 */
export function reportLanguage(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (option !== undefined) {
    if (!LANGUAGE.test(option)) throw new UsageError(`--lang ${JSON.stringify(option)}: expected a language code such as en, de, fr, pt-BR or zh-CN`);
    return option;
  }
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  const m = /^([a-z]{2,3})(?:_([A-Z]{2}))?/.exec(locale);
  if (m === null) return 'en';
  const [, language, region] = m;
  // MaxMind names Brazilian Portuguese and Simplified Chinese by region; other languages alone.
  if (region !== undefined && ((language === 'pt' && region === 'BR') || (language === 'zh' && region === 'CN'))) return `${language}-${region}`;
  return language!;
}
