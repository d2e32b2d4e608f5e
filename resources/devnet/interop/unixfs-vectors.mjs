// Reference vectors for the Python verifier: import files with ipfs-unixfs-importer under
// the named profiles and write each DAG as a CARv1 with @ipld/car, root first and root last.
//
// stdin: {"jobs": [{"input": path, "profile": name, "root_first": path|null,
//                   "root_last": path|null, "relabel_raw": bool}]}
// stdout: {"results": [{"root": cid, "blocks": n}]}
//
// Profiles: kubo-v0 (CIDv0, dag-pb leaves, 256 KiB, balanced 174), kubo-v1 (CIDv1, raw leaves,
// 256 KiB, balanced 174), v1-2025 (the unixfs-v1-2025 profile: 1 MiB, 1024 links, raw leaves),
// trickle-v1 / trickle-v0 (trickle layout, small chunks so the tree is deep).
// Blocks are kept with the CIDs the importer gave them (a MemoryBlockstore would relabel every
// block as raw); relabel_raw does that on purpose, to test lookup by multihash.
import { readFile, open } from 'node:fs/promises'
import { CarWriter } from '@ipld/car'
import { importBytes } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced, trickle } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'

const PROFILES = {
  'kubo-v0': () => ({ cidVersion: 0, rawLeaves: false, chunker: fixedSize({ chunkSize: 262144 }), layout: balanced({ maxChildrenPerNode: 174 }) }),
  'kubo-v1': () => ({ cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: 262144 }), layout: balanced({ maxChildrenPerNode: 174 }) }),
  'v1-2025': () => ({ profile: 'unixfs-v1-2025' }),
  'trickle-v1': () => ({ cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: 4096 }), layout: trickle({ maxChildrenPerNode: 8, layerRepeat: 2 }) }),
  'trickle-v0': () => ({ cidVersion: 0, rawLeaves: false, chunker: fixedSize({ chunkSize: 4096 }), layout: trickle({ maxChildrenPerNode: 8, layerRepeat: 2 }) })
}

class RecordingStore {
  constructor () { this.blocks = []; this.seen = new Set() }
  async put (cid, bytes) {
    const key = cid.toString()
    if (!this.seen.has(key)) { this.seen.add(key); this.blocks.push({ cid, bytes }) }
    return cid
  }
  async has (cid) { return this.seen.has(cid.toString()) }
}

async function writeCar (path, root, blocks) {
  const { writer, out } = CarWriter.create([root])
  const file = await open(path, 'w')
  const pump = (async () => { for await (const chunk of out) await file.write(chunk) })()
  for (const block of blocks) await writer.put(block)
  await writer.close()
  await pump
  await file.close()
}

async function run (job) {
  const make = PROFILES[job.profile]
  if (!make) throw new Error(`unknown profile ${job.profile}`)
  const store = new RecordingStore()
  const data = await readFile(job.input)
  const { cid } = await importBytes(data, store, make())
  let blocks = store.blocks
  if (job.relabel_raw) blocks = blocks.map(b => ({ cid: CID.createV1(0x55, b.cid.multihash), bytes: b.bytes }))
  const isRoot = b => b.cid.multihash.bytes.every((v, i) => v === cid.multihash.bytes[i])
  const root = blocks.filter(isRoot)
  const rest = blocks.filter(b => !isRoot(b))
  if (job.root_first) await writeCar(job.root_first, cid, [...root, ...rest])
  if (job.root_last) await writeCar(job.root_last, cid, [...rest, ...root])
  return { root: cid.toString(), blocks: blocks.length }
}

let input = ''
for await (const chunk of process.stdin) input += chunk
const { jobs } = JSON.parse(input)
const results = []
for (const job of jobs) results.push(await run(job))
process.stdout.write(JSON.stringify({ results }) + '\n')
