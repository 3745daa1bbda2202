"""One module per sandbox service; REGISTRY maps a topology's service name to its class."""
