// The devnet's named accounts: read from the contracts' settings/Devnet.toml and derived from
// their mnemonics at m/44'/5757'/0'/0/0 (BIP-39 seed, BIP-32 path), as Clarinet does.
import { readFileSync } from 'node:fs';
import { pbkdf2Sync } from 'node:crypto';
import { HDKey } from '@scure/bip32';
import { bytesToHex } from '@stacks/common';
import { getAddressFromPrivateKey } from '@stacks/transactions';

const DEFAULT_PATH = "m/44'/5757'/0'/0/0";

/**
 * Parse the `[accounts.NAME]` sections of a Clarinet settings file.
 * Only the keys this devnet needs are read (mnemonic, derivation, balance).
 * @param {string} text the TOML text
 * @returns {Map<string, {mnemonic: string, derivation: string, balance: bigint}>}
 */
export function parseAccounts(text) {
  const accounts = new Map();
  let current = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || line === '') continue;
    const section = line.match(/^\[accounts\.([A-Za-z0-9_]+)\]$/);
    if (section) {
      current = { mnemonic: '', derivation: DEFAULT_PATH, balance: 0n };
      accounts.set(section[1], current);
      continue;
    }
    if (line.startsWith('[')) { current = null; continue; }
    if (!current) continue;
    const kv = line.match(/^([a-z_]+)\s*=\s*(.+)$/);
    if (!kv) continue;
    const value = kv[2].trim();
    if (kv[1] === 'mnemonic') current.mnemonic = JSON.parse(value);
    if (kv[1] === 'derivation') current.derivation = JSON.parse(value);
    if (kv[1] === 'balance') current.balance = BigInt(value.replaceAll('_', ''));
  }
  return accounts;
}

/**
 * Derive the key and testnet address of one mnemonic.
 * @param {string} mnemonic BIP-39 words
 * @param {string} path BIP-32 derivation path
 * @returns {{privateKey: string, address: string}} private key hex (compressed, 01 suffix)
 */
export function deriveAccount(mnemonic, path = DEFAULT_PATH) {
  // the BIP-39 seed (no passphrase), computed natively: @scure/bip39's JavaScript PBKDF2 took
  // ~15 ms per account at every devnet start
  const seed = pbkdf2Sync(mnemonic.normalize('NFKD'), 'mnemonic', 2048, 64, 'sha512');
  const node = HDKey.fromMasterSeed(seed).derive(path);
  const privateKey = bytesToHex(node.privateKey) + '01';
  return { privateKey, address: getAddressFromPrivateKey(privateKey, 'testnet') };
}

/**
 * Load every account of a settings file with its derived key.
 * @param {string} settingsPath path of settings/Devnet.toml
 * @returns {Map<string, {mnemonic: string, privateKey: string, address: string, balance: bigint}>}
 */
export function loadAccounts(settingsPath) {
  const out = new Map();
  for (const [name, acc] of parseAccounts(readFileSync(settingsPath, 'utf8'))) {
    out.set(name, { ...acc, ...deriveAccount(acc.mnemonic, acc.derivation) });
  }
  return out;
}
