// Reads a case bundle with the reference IPLD tools, as a party without Arbiter Desk would:
// @ipld/car's reader for the CARv1 file, multiformats' sha2-256 to check every block against
// its CID, and the DAG-JSON codec (@ipld/dag-json, the one ipfs-unixfs-exporter uses) to
// decode the root index and follow its links. Prints one JSON line: the root, the block count,
// the index's schema and award, each part's CID, and any block whose bytes do not hash to
// its CID or that the index links but the file lacks.
import { readFileSync } from 'node:fs';
import { CarReader } from '@ipld/car';
import * as dagJson from '@ipld/dag-json';
import { sha256 } from 'multiformats/hashes/sha2';
import { CID } from 'multiformats/cid';

const reader = await CarReader.fromBytes(readFileSync(process.argv[2]));
const [root] = await reader.getRoots();
const mismatched = [];
let blocks = 0;
for await (const { cid, bytes } of reader.blocks()) {
  blocks += 1;
  const digest = await sha256.digest(bytes);
  if (Buffer.compare(Buffer.from(digest.bytes), Buffer.from(cid.multihash.bytes)) !== 0) {
    mismatched.push(cid.toString());
  }
}
const index = dagJson.decode((await reader.get(root)).bytes);
const parts = {};
for (const [name, value] of Object.entries(index)) {
  const cid = CID.asCID(value);
  if (cid) parts[name] = cid.toString();
}
index.evidence.forEach((item) => { parts[`evidence #${item.index}`] = CID.asCID(item.manifest).toString(); });
const missing = [];
for (const cid of Object.values(parts)) if (!(await reader.has(CID.parse(cid)))) missing.push(cid);
console.log(JSON.stringify({ root: root.toString(), codec: root.code, blocks, schema: index.schema,
  award: index.award, parts, mismatched, missing }));
