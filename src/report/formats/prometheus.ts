/**
 * `--format prometheus`: the text exposition format (version 0.0.4) for node_exporter's textfile
 * collector. Every series is a gauge labelled with host and month; each family's samples are
 * together under one HELP and TYPE line; label values escape `\`, `"` and line feeds. Figures hidden
 * by --min-count have no sample (a sample must be a number); `monthly_visitors_hidden_cells` says
 * how many there are.
 */
import { dimensionsOf, FORK_DIMENSIONS, type Dimension, type HostReport, type MonthReport, type Report } from '../report-model.js';
import { splitGeoKey } from '../counters.js';

type Labels = ReadonlyArray<readonly [string, string]>;

interface Family {
  readonly name: string;
  readonly help: string;
  samples(h: HostReport, m: MonthReport): Iterable<{ labels: Labels; value: number }>;
}

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function cellLabels(d: Dimension, key: string, name: string): Labels {
  switch (d) {
    case 'country':
      return [['country', key], ['country_name', name]];
    case 'subdivision': {
      const p = splitGeoKey(`${key}-?`);
      return [['country', p.country], ['subdivision', p.subdivision], ['subdivision_name', name]];
    }
    case 'city': {
      const p = splitGeoKey(key);
      return [['country', p.country], ['subdivision', p.subdivision], ['city', p.city], ['city_name', name]];
    }
    case 'client':
      return [['client', key]];
    case 'isp':
      return [['isp', key], ['isp_name', name]];
  }
}

const HELP: Record<Dimension, string> = {
  country: 'Unique users of the month by country (ISO 3166 code; ? = unknown).',
  subdivision: 'Unique users of the month by first subdivision (ISO 3166-2 code within the country; ? = unknown).',
  city: 'Unique users of the month by city (GeoNames id; ? = unknown).',
  client: 'Unique users of the month by client category (? = matched no client pattern).',
  isp: 'Unique users of the month by ISP (autonomous system AS<number>; ? = unknown; the ISP fork of the module only).',
};

const FAMILIES: Family[] = [
  {
    name: 'monthly_visitors_unique_users',
    help: 'Unique users who logged in during the month (mod_monthly_visitors; sum of the client counts).',
    *samples(_h, m) {
      if (m.unique.count !== null) yield { labels: [], value: m.unique.count };
    },
  },
  {
    name: 'monthly_visitors_unique_users_change',
    help: 'Unique users of the month minus those of the calendar month before (absent without that month).',
    *samples(_h, m) {
      if (m.change !== null) yield { labels: [['previous_month', m.change.previousMonth]], value: m.change.delta };
    },
  },
  ...FORK_DIMENSIONS.map(
    (d): Family => ({
      name: `monthly_visitors_users_by_${d}`,
      help: HELP[d],
      *samples(_h, m) {
        for (const c of m.cells[d]) if (c.count !== null) yield { labels: cellLabels(d, c.key, c.name), value: c.count };
      },
    }),
  ),
  {
    name: 'monthly_visitors_hidden_cells',
    help: 'Figures of the month left out because of --min-count (k-anonymity), per dimension.',
    *samples(h, m) {
      yield { labels: [['dimension', 'unique']], value: m.unique.count === null ? 1 : 0 };
      for (const d of dimensionsOf(h)) yield { labels: [['dimension', d]], value: m.cells[d].filter((c) => c.count === null).length };
    },
  },
];

export function renderPrometheus(report: Report): string {
  let out = '';
  for (const f of FAMILIES) {
    if (f.name === 'monthly_visitors_hidden_cells' && report.minCount === null) continue;
    let body = '';
    for (const h of report.hosts) {
      for (const m of h.months) {
        for (const s of f.samples(h, m)) {
          const labels: Labels = [['host', h.host], ['month', m.month], ...s.labels];
          body += `${f.name}{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}} ${s.value}\n`;
        }
      }
    }
    if (body !== '') out += `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} gauge\n${body}`;
  }
  return out;
}
