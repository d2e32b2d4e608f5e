"""Unlocking and rotating the decision-log key with the arbiter's signer.

The log key is kept sealed (:mod:`arbiter_app.decisionlog.vault`); the first use in a session
asks the signer for its deterministic signature of one fixed SIP-018 message, checks that
the signature is the signer's, and holds the secret it gives in memory for the open store.
A key sealed for another account is refused before the device is asked; a device whose
secret does not open the key is refused with the same plain message, never a traceback.
A key an earlier version kept in clear is sealed at that first unlock.

Rotation (:func:`rotate_key`) makes a new key, asks the device to bind it to the arbiter's
address (the binding every log key gets), and has the old key sign the handover, all
logged in one transaction (docs/log-key.md).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from arbiter_app.decisionlog.checkpoint import (
    Attestation,
    attestation_message,
    verify_attestation,
)
from arbiter_app.decisionlog.keychain import Handover
from arbiter_app.decisionlog.vault import (
    DeviceSecret,
    ForeignLogKey,
    other_account,
    public_of,
    secret_from_signature,
    unlock_message,
)
from arbiter_app.errors import DeviceNotFound, VerificationError
from arbiter_app.services.session import Session
from arbiter_app.services.signatures import NEW_BINDING, UNLOCK, asked
from arbiter_app.stacks import sip018
from arbiter_app.store import log
from arbiter_app.wallet.signer import DevicePrompt, Signer


def device_secret(signer: Signer, chain_id: int, prompt: DevicePrompt | None = None
                  ) -> DeviceSecret:
    """The signer's secret for the log key: its signature of the fixed unlock message.

    :raises VerificationError: the signature is not the signer's
    :raises DeviceError: the device is absent, refused or failed
    """
    domain, message = unlock_message(chain_id)
    rsv = signer.sign_structured_message(domain, message, prompt, subject=UNLOCK)
    address = signer.address()
    if not sip018.verify(domain, message, rsv, address):
        raise VerificationError(f"the unlock signature is not by the signer {address}")
    return secret_from_signature(address, chain_id, rsv)


def is_unlocked(session: Session) -> bool:
    """Whether the device's secret is held for this session's store."""
    return session.store.log_secret is not None


def unlock(session: Session, *, prompt: DevicePrompt | None = None,
           invoice_id: int | None = None, now: int | None = None) -> None:
    """Open the log key (creating and sealing it on first use) unless already open.

    :param invoice_id: the case whose log a refused signature is entered under
    :raises ForeignLogKey: the store's key belongs to another device or account
    :raises DeviceError: the device is absent, refused or failed
    """
    store = session.store
    if store.log_secret is not None:
        return
    try:
        signer = session.signer
    except DeviceNotFound as e:
        raise DeviceNotFound(f"the decision-log key is locked and opens only with your "
                             f"signer: {e}") from e
    sealed = log.sealed_for(store)
    address = signer.address()
    if sealed is not None and sealed[0] != address:
        raise other_account(sealed[0], address)  # before the device is asked
    chain_id = signer.network.chain_id if sealed is None else sealed[1]
    secret = asked(session, invoice_id, UNLOCK,
                   lambda: device_secret(signer, chain_id, prompt))
    log.hold_secret(store, secret)
    try:
        log.private_key(store, now=session.now() if now is None else now)
    except ForeignLogKey:
        log.forget_secret(store)
        raise


def rotate_key(session: Session, *, now: int, prompt: DevicePrompt | None = None
               ) -> Handover:
    """Replace the log key: a new key, bound by the device to the arbiter's address, handed
    over by the old key's signature; old checkpoints keep verifying through the chain.

    :returns: the logged handover
    """
    unlock(session, prompt=prompt, now=now)
    signer = session.signer
    new = Ed25519PrivateKey.generate()
    public = public_of(new)
    domain, message = attestation_message(public, signer.network.chain_id)
    rsv = asked(session, None, NEW_BINDING, lambda: signer.sign_structured_message(
        domain, message, prompt, subject=NEW_BINDING))
    att = Attestation(signer.address(), signer.network.chain_id, public, rsv)
    verify_attestation(att, public)
    return log.rotate(session.store, new, att, now=now)
