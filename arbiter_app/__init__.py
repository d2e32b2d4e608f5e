"""Arbiter Desk: review, rule on and sign sBTC escrow disputes on Stacks."""

__version__ = "0.1.0"
