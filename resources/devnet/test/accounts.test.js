// The devnet's accounts: keys derived with the native BIP-39 seed are those the reference
// libraries (@scure/bip39, @scure/bip32) derive, and the deployer is Clarinet's devnet deployer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mnemonicToSeedSync } from '@scure/bip39';
import { HDKey } from '@scure/bip32';
import { bytesToHex } from '@stacks/common';
import { loadAccounts } from '../src/accounts.js';
import { CONTRACTS_DIR } from '../src/main.js';

test('every account\'s key is the one the reference libraries derive from its mnemonic', () => {
  const accounts = loadAccounts(`${CONTRACTS_DIR}/settings/Devnet.toml`);
  assert.equal(accounts.size, 12);
  for (const [name, acc] of accounts) {
    const reference = HDKey.fromMasterSeed(mnemonicToSeedSync(acc.mnemonic)).derive(acc.derivation);
    assert.equal(acc.privateKey, `${bytesToHex(reference.privateKey)}01`, name);
  }
  assert.equal(accounts.get('deployer').address, 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM');
});
