import { PROBES } from '../../probes/registry.js';
import { probeConformance } from '../support/conformance.js';

// Every registered probe passes the same suite; a new probe is covered by its registry line.
for (const probe of Object.values(PROBES)) probeConformance(probe);
