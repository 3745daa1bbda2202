"""The embedded sandbox: real services on network namespaces of this machine."""
