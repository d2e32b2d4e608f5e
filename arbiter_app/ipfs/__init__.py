"""Content addressing for evidence: CIDs, dag-pb/UnixFS, CAR files, verified fetching.

Everything here except :mod:`~arbiter_app.ipfs.sources` and :mod:`~arbiter_app.ipfs.fetch`
is pure: the codecs and the verifier take bytes and files and never touch the network, so
that a byte reaches the cache, the viewer or a citation only after :mod:`.verify` has
checked it against its CID (reference/ipfs.md §2.4).
"""
