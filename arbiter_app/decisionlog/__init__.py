"""The decision log's pure parts: entries and their canonical JSON, the RFC 6962 Merkle tree
and its proofs, signed checkpoints and the log-key attestation, and the full audit of a log's
rows. Nothing here touches a database, a file or a device, so the auditor's offline verifiers
(``records``) and the store's SQL (``store.log``) share one definition of every byte."""
