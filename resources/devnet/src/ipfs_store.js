// The devnet's IPFS side: an in-memory block store keyed by multihash (as Kubo's is), files
// imported with the real UnixFS importer (ipfs-unixfs-importer) using Kubo's defaults — CIDv0,
// 256 KiB fixed chunks, balanced layout with 174 links, dag-pb leaves — or CIDv1 raw leaves on
// request (docs/ipfs.md §2.3, §7), single raw blocks, reassembly through the UnixFS
// exporter, and CAR v1 export of a DAG in depth-first order without duplicates.
import { importer } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { exporter } from 'ipfs-unixfs-exporter';
import { CarWriter } from '@ipld/car';
import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import * as raw from 'multiformats/codecs/raw';
import { base58btc } from 'multiformats/bases/base58';

export const KUBO_CHUNK = 262144;
export const KUBO_MAX_LINKS = 174;
export const MAX_BLOCK = 2 * 1024 * 1024;
const DAG_JSON = 0x0129; // multicodec dag-json (the case bundle's index block)

export class BlockNotFound extends Error {
  constructor(cid) { super(`block was not found locally (offline): ipld: could not find ${cid}`); this.cid = cid; }
}

async function concat(value) {
  if (value instanceof Uint8Array) return value;
  const parts = [];
  for await (const p of value) parts.push(p);
  return new Uint8Array(Buffer.concat(parts));
}

export class BlockStore {
  /** @param {{withheld: Set<string>}} faults the CIDs to pretend not to have */
  constructor(faults) { this.blocks = new Map(); this.pins = new Map(); this.faults = faults; }

  key(cid) { return base58btc.encode(cid.multihash.bytes); }

  withheld(cid) {
    if (!this.faults.withheld.size) return false;
    const k = this.key(cid);
    for (const text of this.faults.withheld) if (parseCid(text) && this.key(parseCid(text)) === k) return true;
    return false;
  }

  async put(cid, value) { this.blocks.set(this.key(cid), await concat(value)); return cid; }

  has(cid) { return this.blocks.has(this.key(cid)) && !this.withheld(cid); }

  /** The block's bytes (a generator, as interface-blockstore 7 asks). */
  * get(cid) { yield this.getBytes(cid); }

  getBytes(cid) {
    const b = this.blocks.get(this.key(cid));
    if (!b || this.withheld(cid)) throw new BlockNotFound(cid.toString());
    return b;
  }

  /**
   * Import one file with the UnixFS importer.
   * @param {Uint8Array} bytes file content
   * @param {{cidVersion?: number, rawLeaves?: boolean, chunkSize?: number, onlyHash?: boolean}} o
   * @returns {Promise<{cid: CID, size: number}>} root CID and cumulative DAG size (Tsize)
   */
  async addFile(bytes, o = {}) {
    const cidVersion = o.cidVersion ?? 0;
    const opts = {
      cidVersion, rawLeaves: o.rawLeaves ?? cidVersion === 1,
      chunker: fixedSize({ chunkSize: o.chunkSize ?? KUBO_CHUNK }),
      layout: balanced({ maxChildrenPerNode: KUBO_MAX_LINKS }),
      reduceSingleLeafToSelf: true,
    };
    const target = o.onlyHash ? { put: async (cid) => cid } : this;
    let last;
    for await (const entry of importer([{ content: bytes }], target, opts)) last = entry;
    return { cid: last.cid, size: Number(last.size) };
  }

  /** Store one block (CIDv1 raw by default; dag-pb as CIDv0; dag-json), as `block/put` does. */
  async putBlock(bytes, codec = 'raw') {
    const digest = await sha256.digest(bytes);
    const cid = codec === 'dag-pb' ? CID.createV0(digest)
      : CID.createV1(codec === 'dag-json' ? DAG_JSON : raw.code, digest);
    if (codec === 'dag-pb') dagPb.decode(bytes);
    if (codec === 'dag-json') JSON.parse(Buffer.from(bytes).toString('utf8'));
    await this.put(cid, bytes);
    return cid;
  }

  /** Reassemble a file (or return a raw block's bytes). */
  async cat(cid, offset = 0, length = undefined) {
    this.getBytes(cid);
    const entry = await exporter(cid, this);
    const parts = [];
    for await (const chunk of entry.content({ offset, length })) parts.push(chunk);
    return new Uint8Array(Buffer.concat(parts));
  }

  /**
   * The blocks of a DAG in depth-first order without duplicates, as CAR v1 bytes. A missing
   * child ends the stream early (what a streaming gateway does); a missing root throws.
   * @param {CID} root
   * @param {'all'|'entity'|'block'} scope `dag-scope`
   * @returns {Promise<{car: Uint8Array, complete: boolean}>}
   */
  async exportCar(root, scope = 'all') {
    this.getBytes(root);
    const { writer, out } = CarWriter.create([root]);
    const collected = (async () => { const parts = []; for await (const p of out) parts.push(p); return parts; })();
    const seen = new Set();
    let complete = true;
    const visit = async (cid, depth) => {
      const k = this.key(cid) + cid.code;
      if (seen.has(k) || !complete) return;
      seen.add(k);
      let bytes;
      try { bytes = this.getBytes(cid); } catch { complete = false; return; }
      await writer.put({ cid, bytes });
      if (scope === 'block' || cid.code !== dagPb.code) return;
      for (const link of dagPb.decode(bytes).Links) await visit(link.Hash, depth + 1);
    };
    await visit(root, 0);
    await writer.close();
    return { car: new Uint8Array(Buffer.concat(await collected)), complete };
  }
}

export function parseCid(text) {
  try { return CID.parse(text.replace(/^\/ipfs\//, '').split('/')[0]); } catch { return null; }
}
