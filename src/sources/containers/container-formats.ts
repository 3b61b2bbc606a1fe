import type { LogFormat } from '../log-format.js';
import type { InnerFormat } from './inner-format.js';
import { containerFormat } from './container-format.js';
import { dockerJsonFile } from './docker-json-file.js';
import { logsWithTimestamps } from './logs-with-timestamps.js';
import { criLogFormat } from './cri.js';
import { prosodyConsoleSink } from '../prosody/prosody-console-format.js';
import { ejabberdFormat } from '../ejabberd/ejabberd-format.js';

/** ejabberd's lines carry their own time (with its offset): the runtime's is not needed. */
const ejabberdInside: InnerFormat = {
  name: ejabberdFormat.name,
  label: 'ejabberd',
  detect: ejabberdFormat.detect,
  createParser: (ctx, time) => ejabberdFormat.createParser(ctx, time),
};

/** Every server line format inside every container runtime's framing (`prosody-docker-json`, …). */
export const CONTAINER_FORMATS: readonly LogFormat[] = [dockerJsonFile, logsWithTimestamps, criLogFormat].flatMap((wrapper) =>
  [prosodyConsoleSink, ejabberdInside].map((inner) => containerFormat(wrapper, inner)),
);
