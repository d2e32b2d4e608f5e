// stacks.js side of tests/bench/bench_stacks.py: build + serialize + sign + txid of the
// escrow's resolve-dispute contract call (uint invoice id, contract principal token, bool
// release, (buff 32) rationale hash; deny mode with one exact fungible post-condition).
// Reads {count, private_key, contract_id, token, asset, amount} on stdin; prints {ops_per_s, txid}.
import { Cl, makeContractCall } from '@stacks/transactions';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const p = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const [contractAddress, contractName] = p.contract_id.split('.');
const hash = Buffer.alloc(32, 5);

async function once(i) {
  const tx = await makeContractCall({
    contractAddress, contractName, functionName: 'resolve-dispute',
    functionArgs: [Cl.uint(i), Cl.principal(p.token), Cl.bool(true), Cl.buffer(hash)],
    senderKey: p.private_key, network: 'testnet', nonce: BigInt(i), fee: 3000n,
    postConditionMode: 'deny',
    postConditions: [{ type: 'ft-postcondition', address: p.contract_id, condition: 'eq',
      asset: p.asset, amount: BigInt(p.amount) }],
    validateWithAbi: false,
  });
  tx.serialize();
  return tx.txid();
}

for (let i = 0; i < Math.min(200, p.count); i++) await once(i); // warm up the JIT
const start = process.hrtime.bigint();
let last;
for (let i = 0; i < p.count; i++) last = await once(i);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const first = await once(7);
process.stdout.write(JSON.stringify({ ops_per_s: p.count / seconds, txid_of_7: first, last }));
