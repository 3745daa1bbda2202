"""Clients of the services: Python drivers through the tunnel, the edge node's command-line tools, the workstation's."""
