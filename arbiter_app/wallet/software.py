"""A software signer for devnet and testnet: a private key held in memory, kept on disk
only inside an encrypted keystore (see ``keystore.py``).

It exists so that the devnet, the demo and testnet trials can sign without a Ledger. It
is refused on mainnet with a clear message: real funds are signed on a hardware wallet.
Signing goes through the same verification as the Ledger's replies (``verify.py``), so the
two signers are interchangeable behind the :class:`~arbiter_app.wallet.signer.Signer`
protocol.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import coincurve

from arbiter_app import config
from arbiter_app.errors import KeystoreError, VerificationError
from arbiter_app.stacks import sip018, transaction
from arbiter_app.wallet import hd, keystore, verify
from arbiter_app.wallet.signer import DevicePrompt, derivation_path

if TYPE_CHECKING:
    from arbiter_app.stacks.clarity import ClarityValue, Tuple
    from arbiter_app.stacks.transaction import Transaction


class MainnetRefused(KeystoreError):
    """A software key was asked to act on mainnet."""


def refuse_mainnet(network: config.Network) -> None:
    """Raise :class:`MainnetRefused` on mainnet: real funds are signed on a Ledger only."""
    if network.mainnet:
        raise MainnetRefused(
            "a software key cannot be used on mainnet: sign with a Ledger (signer = 'ledger')"
        )


class SoftwareSigner:
    """A secp256k1 key in memory that signs like the Ledger does, checked the same way."""

    def __init__(self, private_key: bytes, network: config.Network) -> None:
        """Prefer the ``from_*`` constructors.

        :raises MainnetRefused: ``network`` is mainnet
        :raises KeystoreError: ``private_key`` is not a valid secp256k1 key
        """
        refuse_mainnet(network)
        try:
            self._key = coincurve.PrivateKey(private_key)
        except ValueError as e:
            raise KeystoreError("the private key is not a valid secp256k1 key") from e
        self.network = network

    @classmethod
    def from_private_key(cls, key: bytes, network: config.Network) -> SoftwareSigner:
        """A signer for a 32-byte private key (a trailing 0x01 "compressed" flag is allowed)."""
        if len(key) == 33 and key[32] == 1:
            key = key[:32]
        if len(key) != 32:
            raise KeystoreError(f"a private key is 32 bytes, not {len(key)}")
        return cls(key, network)

    @classmethod
    def from_mnemonic(
        cls, mnemonic: str, network: config.Network, account: int = 0
    ) -> SoftwareSigner:
        """The key a Stacks wallet derives from ``mnemonic`` at ``m/44'/5757'/0'/0/account``.

        :raises MainnetRefused: ``network`` is mainnet (checked before the mnemonic is used)
        :raises MnemonicError: the mnemonic is not valid BIP39 English
        """
        refuse_mainnet(network)
        return cls(hd.private_key_at(mnemonic, derivation_path(account)), network)

    @classmethod
    def generate(cls, network: config.Network) -> SoftwareSigner:
        """A new random key from the operating system's CSPRNG."""
        refuse_mainnet(network)
        return cls(coincurve.PrivateKey(os.urandom(32)).secret, network)

    @classmethod
    def from_keystore(
        cls, path: str | Path, password: str, network: config.Network
    ) -> SoftwareSigner:
        """Open an encrypted keystore made for ``network``.

        :raises MainnetRefused: ``network`` is mainnet
        :raises WrongPassword: the password does not open the keystore
        :raises DamagedKeystore: the file is missing, malformed or altered
        :raises KeystoreError: the keystore was made for another network
        """
        refuse_mainnet(network)
        text = keystore.read_text(Path(path))
        sealed, private_key = keystore.unseal(text, password)
        if sealed.network != network.name:
            raise KeystoreError(
                f"this keystore holds a {sealed.network} key; the app is set to {network.name}"
            )
        signer = cls(private_key, network)
        if signer.address() != sealed.address:
            raise keystore.DamagedKeystore("the keystore's address does not match its key")
        return signer

    def save(self, path: str | Path, password: str) -> None:
        """Write this key to a new encrypted keystore file (never overwrites one)."""
        text = keystore.seal(self._key.secret, password, self.network.name, self.address())
        keystore.write(Path(path), text)

    def public_key(self) -> bytes:
        """The 33-byte compressed public key."""
        return self._key.public_key.format(compressed=True)

    def address(self) -> str:
        """The key's single-sig address on :attr:`network`."""
        return verify.address_of(self.public_key(), self.network)

    def sign_transaction(self, tx: Transaction, prompt: DevicePrompt | None = None, *,
                         subject: str = "") -> Transaction:
        """Sign ``tx`` as its origin; the signature is verified before it is returned.

        A key in memory asks nobody, so ``prompt`` and ``subject`` are not used.

        :raises PolicyError: ``tx`` is for another network
        :raises VerificationError: ``tx``'s origin is another account, or the check fails
        """

        verify.check_network(tx, self.network)
        self._check_origin(tx)
        rsv = verify.sign_digest(self._key.secret, transaction.presign_sighash(tx))
        signed = transaction.attach_signature(tx, verify.rsv_to_vrs(rsv))
        verify.check_signed_transaction(tx, signed, self.public_key())
        return signed

    def sign_structured_message(
        self, domain: Tuple, message: ClarityValue, prompt: DevicePrompt | None = None, *,
        subject: str = "",
    ) -> bytes:
        """Sign SIP-018 structured data; return the verified 65-byte RSV signature."""

        digest = sip018.message_hash(domain, message)
        rsv = verify.sign_digest(self._key.secret, digest)
        verify.check_rsv(digest, rsv, self.public_key())
        return rsv

    def _check_origin(self, tx: Transaction) -> None:

        if transaction.sender_address(tx) != self.address():
            raise VerificationError(
                f"the transaction's sender is {transaction.sender_address(tx)}, "
                f"not this key's address {self.address()}"
            )
