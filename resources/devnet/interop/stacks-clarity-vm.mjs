// The Clarity VM (clarinet-sdk 3.8 simnet) as the reference for Clarity literals and their
// consensus serialization. Reads {snippets: [string]} on stdin; for each snippet, evaluates it
// and answers the hex of the resulting value (the VM's own serialization), or the VM's error.
import { getSDK } from '@hirosystems/clarinet-sdk';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const manifest = path.join(here, '..', '..', 'contracts', 'Clarinet.toml');
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const simnet = await getSDK();
await simnet.initSession(path.join(here, '..'), manifest);
const answers = request.snippets.map((snippet) => {
  try {
    const out = simnet.runSnippet(snippet);
    return out.startsWith('0x') ? { hex: out.slice(2) } : { error: out };
  } catch (e) {
    return { error: String(e.message ?? e) };
  }
});
process.stdout.write(JSON.stringify({ answers }));
