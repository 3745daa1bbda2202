"""Proofs: health, round trips, reconciliation, isolation, access, quotas, security."""
