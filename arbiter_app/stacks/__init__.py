"""Stacks protocol core: c32 addresses, Clarity values, transactions, SIP-018 and the API client.

The codec modules (:mod:`c32`, :mod:`clarity`, :mod:`transaction`, :mod:`sip018`) are pure:
no I/O, no Qt, strict with hostile bytes (every refusal is a
:class:`~arbiter_app.errors.DecodeError` naming the offset). They are proven byte for byte
against stacks.js by the interop tests.
"""
