"""Documents that leave the app: ruling receipts, decision-log exports and the receipt PDF."""
