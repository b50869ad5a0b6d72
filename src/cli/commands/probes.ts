import { z } from 'zod';
import { EXIT } from '../../core/errors.js';
import { PROBES } from '../../../probes/registry.js';
import { TRANSPORT_REASONS } from '../../core/transport-reasons.js';

/** `psm-netcheck probes`: each probe with its options (defaults, descriptions) and reason codes. */
export function probesCommand(options: { json?: boolean }): number {
  const probes = Object.values(PROBES).map((probe) => ({
    kind: probe.kind,
    transport: probe.transport,
    summary: probe.summary,
    options: z.toJSONSchema(probe.optionsSchema, { io: 'input', unrepresentable: 'any' }),
    reasons: probe.reasons,
  }));
  if (options.json === true) {
    process.stdout.write(`${JSON.stringify({ probes, transportReasons: TRANSPORT_REASONS }, null, 2)}\n`);
    return EXIT.ok;
  }
  const lines: string[] = [];
  for (const probe of probes) {
    lines.push(`${probe.kind} (${probe.transport}): ${probe.summary}`);
    const properties = (probe.options as { properties?: Record<string, { default?: unknown; description?: string }> }).properties ?? {};
    for (const [name, spec] of Object.entries(properties)) {
      const fallback = spec.default === undefined ? '' : ` (default ${JSON.stringify(spec.default)})`;
      lines.push(`  option ${name}${fallback}: ${spec.description ?? ''}`);
    }
    for (const [code, info] of Object.entries(probe.reasons)) lines.push(`  reason ${code} [${info.outcome}]: ${info.summary}`);
  }
  lines.push('', 'Transport reasons (every probe):');
  for (const [code, info] of Object.entries(TRANSPORT_REASONS)) lines.push(`  ${code} [${info.outcome}]: ${info.summary}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
