// Prints the MPP server's configuration options as a Markdown table for the README:
// `node --import ./scripts/register-source.mjs scripts/config-table.ts`. The options live in one place (packages/mpp-server/src/config.ts).
import { configTable } from '@tapkit/mpp-server';

const rows = configTable();
console.log('| option (tapkit.config.json "mpp") | environment | default | meaning |');
console.log('|---|---|---|---|');
for (const row of rows) {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  console.log(`| \`${row.option}\` | \`${row.env}\` | \`${cell(row.default)}\` | ${cell(row.description)} |`);
}
