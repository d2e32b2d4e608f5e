"""The signer the settings name: the Ledger or the software key.

Apart from :mod:`arbiter_app.wallet.signer`, the contract both signers import: choosing
between them needs both, so it sits above them.
"""

from __future__ import annotations

import os

from arbiter_app import config
from arbiter_app.errors import KeystoreError, UsageError
from arbiter_app.wallet.ledger import LedgerSigner
from arbiter_app.wallet.signer import Signer
from arbiter_app.wallet.software import SoftwareSigner

KEYSTORE_PASSWORD_ENV = "ARBITER_APP_KEYSTORE_PASSWORD"


def signer_from_settings(settings: config.Settings, password: str | None = None) -> Signer:
    """The signer the settings name: the Ledger at ``settings.ledger`` or the software key.

    :param settings: the app's settings (network, signer, ledger address, account, keystore)
    :param password: the keystore password (software signer only); defaults to the
        ``ARBITER_APP_KEYSTORE_PASSWORD`` environment variable
    :raises UsageError: the software signer is chosen but no keystore is configured
    :raises KeystoreError: the keystore cannot be opened (wrong password, damaged, mainnet)
    :raises DeviceError: the Ledger cannot be reached or is not ready
    """
    if settings.signer == "ledger":
        return LedgerSigner.open(settings.ledger, settings.chain, settings.account)
    if not settings.keystore:
        raise UsageError("the software signer needs a keystore file: set 'keystore'")
    secret = password if password is not None else os.environ.get(KEYSTORE_PASSWORD_ENV)
    if secret is None:
        raise KeystoreError(f"the keystore needs a password (set {KEYSTORE_PASSWORD_ENV})")
    return SoftwareSigner.from_keystore(settings.keystore, secret, settings.chain)
