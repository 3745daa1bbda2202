"""Foundations: errors, paths, waits, processes, endpoints, leases, retries. Imports nothing of agility's."""
