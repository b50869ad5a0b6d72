import { TABLE_COLUMNS, tableRows } from './table.js';
import type { RuleSet } from './types.js';

/** The change request as a Markdown page: what it covers, then one table line per entry. */
export function formatMarkdown(rules: RuleSet): string {
  const { summary } = rules;
  const lines = [
    `# Firewall change request: ${rules.inventory}`,
    '',
    `The flows the vendor's port tables (PSM Networking Considerations, Tables 1-8) require for this deployment: ` +
      `${summary.allow} allow and ${summary.deny} deny entries for ${summary.paths} paths` +
      `${rules.aggregated ? ', hosts with the same ports grouped' : ', one entry per source and destination host'}. ` +
      'Denies come first. Replies of an allowed flow are the firewall\'s connection tracking; "both" marks a flow the deployment also needs the other way.',
    '',
    `| ${TABLE_COLUMNS.map(([, header]) => header).join(' | ')} |`,
    `|${TABLE_COLUMNS.map(() => '---').join('|')}|`,
  ];
  for (const row of tableRows(rules)) lines.push(`| ${TABLE_COLUMNS.map(([key]) => cell(row[key])).join(' | ')} |`);
  lines.push('', `psm-netcheck ${rules.tool.version}`, '');
  return lines.join('\n');
}

/** A table cell: pipes escaped, no line breaks, empty shown as a dash. */
function cell(text: string): string {
  return text === '' ? '-' : text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}
