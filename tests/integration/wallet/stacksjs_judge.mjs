// The reference judge for the wallet tests: @stacks/transactions (stacks.js) decodes what
// the Ledger signed and checks the signatures, so a pass never rests on our own codecs.
// Run as `node --input-type=module -e <this file>` from resources/devnet (to resolve
// node_modules); reads one JSON request on stdin, writes one JSON answer on stdout.
import {
  deserializeTransaction, cvToString, addressToString, getAddressFromPublicKey,
  publicKeyFromSignatureRsv, encodeStructuredDataBytes, deserializeCV, cvToHex,
  wireToPostCondition,
} from '@stacks/transactions';
import { generateWallet, generateNewAccount, getStxAddress } from '@stacks/wallet-sdk';
import { sha256 } from '@noble/hashes/sha256';
import { bytesToHex } from '@stacks/common';

const request = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (d) => (text += d));
  process.stdin.on('end', () => resolve(text));
}));

function decodeTransaction(hex) {
  const tx = deserializeTransaction(hex);
  let verified = true;
  let error = null;
  try {
    tx.verifyOrigin();
  } catch (e) {
    verified = false;
    error = String(e.message || e);
  }
  const cond = tx.auth.spendingCondition;
  const payload = tx.payload;
  return {
    txid: tx.txid(),
    verified,
    error,
    chain_id: tx.chainId,
    version: tx.transactionVersion,
    nonce: String(cond.nonce),
    fee: String(cond.fee),
    signer: cond.signer,
    contract: `${addressToString(payload.contractAddress)}.${payload.contractName.content}`,
    function: payload.functionName.content,
    args: payload.functionArgs.map((a) => cvToString(a)),
    args_hex: payload.functionArgs.map((a) => cvToHex(a)),
    post_condition_mode: tx.postConditionMode,
    post_conditions: tx.postConditions.values.length,
    post_condition_list: tx.postConditions.values.map((wire) => {
      const pc = wireToPostCondition(wire);
      return {
        type: pc.type, address: pc.address, condition: pc.condition,
        amount: pc.amount === undefined ? null : String(pc.amount),
        asset: pc.asset ?? null, asset_id: pc.assetId ? cvToHex(pc.assetId) : null,
      };
    }),
  };
}

async function walletAccounts(mnemonic, count) {
  let wallet = await generateWallet({ secretKey: mnemonic, password: '' });
  while (wallet.accounts.length < count) wallet = generateNewAccount(wallet);
  return wallet.accounts.map((a) => ({
    address: getStxAddress({ account: a, network: 'testnet' }),
    private_key: a.stxPrivateKey.slice(0, 64),
  }));
}

function recoverStructured(domainHex, messageHex, signature) {
  const bytes = encodeStructuredDataBytes({ domain: deserializeCV(domainHex), message: deserializeCV(messageHex) });
  const hash = bytesToHex(sha256(bytes));
  const publicKey = publicKeyFromSignatureRsv(hash, signature);
  return { hash, address: getAddressFromPublicKey(publicKey, 'testnet') };
}

const answers = [];
for (const item of request) {
  if (item.op === 'tx') answers.push(decodeTransaction(item.hex));
  else if (item.op === 'wallet') answers.push(await walletAccounts(item.mnemonic, item.count));
  else if (item.op === 'sip018') answers.push(recoverStructured(item.domain, item.message, item.signature));
  else throw new Error(`unknown op ${item.op}`);
}
process.stdout.write(JSON.stringify(answers));
