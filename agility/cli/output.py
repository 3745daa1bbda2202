"""What every command prints: a line, flushed at once (the suite and the tunnels' logs read it live)."""


def say(line: str) -> None:
    print(line, flush=True)
