"""The Python side of the devnet: the launcher of the Node service and the Ledger emulator."""
