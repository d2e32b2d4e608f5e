"""Signers: the :class:`~arbiter_app.wallet.signer.Signer` protocol, the Ledger Stacks app
over ledgerblue, and a software key for devnet and testnet kept in an encrypted keystore."""
