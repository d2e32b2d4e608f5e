"""Content addressing for evidence: CIDs, dag-pb/UnixFS, CAR files, verified fetching.

The codecs (``multibase``, ``cid``, ``dagpb``, ``car``), the verifier (``verify``), the
importer and ``sniff`` are pure: they take bytes and files and never touch the network.
``sources``/``kubo`` move bytes from gateways and Kubo, ``fetch`` ties sources, verifier and
``cache`` together, so that a byte reaches the cache, the viewer or a citation only after
:mod:`.verify` has checked it against its CID (docs/ipfs.md §2.4).
"""
