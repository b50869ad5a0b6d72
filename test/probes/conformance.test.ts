import { PROBE_KINDS, probeFor } from '../../probes/registry.js';
import { probeConformance } from '../support/conformance.js';

// Every registered probe passes the same suite; a new probe is covered by its registry line.
// probeFor() erases each probe's own option type, which a union of probes cannot infer.
for (const kind of PROBE_KINDS) probeConformance(probeFor(kind));
