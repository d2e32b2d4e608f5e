"""BIP39 mnemonics to seeds, and BIP32 private derivation down a path, on secp256k1.

The software signer and the Ledger emulator both need the key a Stacks wallet derives from
a 24-word (or 12-word) mnemonic at ``m/44'/5757'/0'/0/N``. BIP39 seeds are PBKDF2-HMAC-SHA512
over the NFKD mnemonic (2048 rounds, salt ``"mnemonic" + passphrase``); the mnemonic's
checksum is checked against the English wordlist first, so a typo is caught rather than
silently deriving another wallet. BIP32 child keys use HMAC-SHA512 (hardened children from
the private key, normal ones from the compressed public key) with coincurve doing the curve
arithmetic. Private derivation only: nothing here needs extended public keys.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from functools import cache

import coincurve

from arbiter_app.errors import InputError
from arbiter_app.wallet.bip39_english import WORDS

# secp256k1 group order (SEC 2 §2.4.1)
CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
HARDENED = 0x80000000


class MnemonicError(InputError):
    """A mnemonic is not a valid BIP39 English mnemonic."""


@dataclass(frozen=True)
class ExtendedKey:
    """A BIP32 private node: 32-byte key, 32-byte chain code, and its depth."""

    private_key: bytes
    chain_code: bytes
    depth: int = 0

    @property
    def public_key(self) -> bytes:
        """The 33-byte compressed public key."""
        return coincurve.PrivateKey(self.private_key).public_key.format(compressed=True)

    def child(self, index: int) -> ExtendedKey:
        """CKDpriv (BIP32 "Private parent key → private child key").

        :raises InputError: ``index`` is out of range, or (probability ~2^-127) the child
            key is invalid, which BIP32 says to treat by moving to the next index
        """
        if not 0 <= index < 2**32:
            raise InputError(f"a BIP32 index is 0..2^32-1, not {index}")
        if index >= HARDENED:
            data = b"\x00" + self.private_key + index.to_bytes(4, "big")
        else:
            data = self.public_key + index.to_bytes(4, "big")
        digest = hmac.new(self.chain_code, data, hashlib.sha512).digest()
        tweak = int.from_bytes(digest[:32], "big")
        key = (tweak + int.from_bytes(self.private_key, "big")) % CURVE_ORDER
        if tweak >= CURVE_ORDER or key == 0:
            raise InputError(f"BIP32 index {index} gives an invalid key; use the next one")
        return ExtendedKey(key.to_bytes(32, "big"), digest[32:], self.depth + 1)

    def derive(self, path: tuple[int, ...]) -> ExtendedKey:
        """Follow ``path`` (hardened levels carry the 0x80000000 bit) from this node."""
        node = self
        for index in path:
            node = node.child(index)
        return node


@cache
def wordlist() -> tuple[str, ...]:
    """The 2048-word BIP39 English list, in order."""

    assert len(WORDS) == 2048, "the BIP39 wordlist is damaged"
    return WORDS


def normalize_mnemonic(mnemonic: str) -> str:
    """NFKD-normalised lower-case words, single spaces (BIP39 "From mnemonic to seed")."""
    return " ".join(unicodedata.normalize("NFKD", mnemonic).lower().split())


def check_mnemonic(mnemonic: str) -> str:
    """Validate word count, words and checksum; return the normalised mnemonic.

    :raises MnemonicError: naming the first unknown word, a wrong length or a bad checksum
    """
    words = normalize_mnemonic(mnemonic).split(" ")
    if len(words) not in (12, 15, 18, 21, 24):
        raise MnemonicError(f"a mnemonic has 12, 15, 18, 21 or 24 words, not {len(words)}")
    index = {w: i for i, w in enumerate(wordlist())}
    unknown = [w for w in words if w not in index]
    if unknown:
        raise MnemonicError(f"{unknown[0]!r} is not a BIP39 English word")
    bits = "".join(f"{index[w]:011b}" for w in words)
    entropy_bits = len(bits) * 32 // 33
    entropy = int(bits[:entropy_bits], 2).to_bytes(entropy_bits // 8, "big")
    checksum = f"{hashlib.sha256(entropy).digest()[0]:08b}"[: len(bits) - entropy_bits]
    if bits[entropy_bits:] != checksum:
        raise MnemonicError("the mnemonic's checksum is wrong: check the words and their order")
    return " ".join(words)


def entropy_to_mnemonic(entropy: bytes) -> str:
    """The BIP39 English mnemonic of 16..32 bytes of entropy (multiple of 4).

    :raises InputError: the entropy has a length BIP39 does not allow
    """
    if len(entropy) not in (16, 20, 24, 28, 32):
        raise InputError(f"BIP39 entropy is 16..32 bytes in steps of 4, not {len(entropy)}")
    checksum_bits = len(entropy) * 8 // 32
    bits = f"{int.from_bytes(entropy, 'big'):0{len(entropy) * 8}b}"
    bits += f"{hashlib.sha256(entropy).digest()[0]:08b}"[:checksum_bits]
    words = wordlist()
    return " ".join(words[int(bits[i : i + 11], 2)] for i in range(0, len(bits), 11))


def mnemonic_to_seed(mnemonic: str, passphrase: str = "") -> bytes:
    """The 64-byte BIP39 seed of a checked mnemonic.

    :raises MnemonicError: the mnemonic is not valid (see :func:`check_mnemonic`)
    """
    words = check_mnemonic(mnemonic)
    salt = "mnemonic" + unicodedata.normalize("NFKD", passphrase)
    return hashlib.pbkdf2_hmac("sha512", words.encode(), salt.encode(), 2048)


def master_key(seed: bytes) -> ExtendedKey:
    """The BIP32 master node of ``seed`` (HMAC-SHA512 keyed with ``"Bitcoin seed"``).

    :raises InputError: the seed length is outside 16..64 bytes, or the key is invalid
    """
    if not 16 <= len(seed) <= 64:
        raise InputError(f"a BIP32 seed is 16..64 bytes, not {len(seed)}")
    digest = hmac.new(b"Bitcoin seed", seed, hashlib.sha512).digest()
    key = int.from_bytes(digest[:32], "big")
    if not 0 < key < CURVE_ORDER:
        raise InputError("this seed gives an invalid BIP32 master key")
    return ExtendedKey(digest[:32], digest[32:])


def private_key_at(mnemonic: str, path: tuple[int, ...], passphrase: str = "") -> bytes:
    """The 32-byte private key a wallet derives from ``mnemonic`` at ``path``."""
    return master_key(mnemonic_to_seed(mnemonic, passphrase)).derive(path).private_key
