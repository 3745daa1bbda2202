"""Provisioning: work areas, accounts and permissions, declared in data and applied idempotently."""
