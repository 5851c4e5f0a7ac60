"""The customer archive (M1–M3): maintenance, import, screening, subscriptions, demo data."""
