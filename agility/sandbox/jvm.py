"""How the sandbox starts JVMs on a 2-core machine."""

from __future__ import annotations

from pathlib import Path

JAVA_HOME = Path("/usr/lib/jvm/java-17-openjdk-amd64")
JAVA = str(JAVA_HOME / "bin" / "java")

SERVER_FLAGS = [
    "-XX:+UseG1GC",
    "-XX:ParallelGCThreads=2",
    "-XX:ConcGCThreads=1",
    "-XX:CICompilerCount=2",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.net.preferIPv4Stack=true",
    "-Djava.awt.headless=true",
]

# Short-lived command-line tools start faster without the optimising compiler.
TOOL_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-Djava.net.preferIPv4Stack=true"]


def classpath(*entries: Path | str) -> str:
    return ":".join(str(entry) for entry in entries)


def server(main_class: str, cp: str, heap: str, *, flags: list[str] = (), properties: dict | None = None, args=()):
    """The command line of a server JVM with a fixed maximum heap."""
    props = [f"-D{key}={value}" for key, value in (properties or {}).items()]
    return [JAVA, "-Xms64m", f"-Xmx{heap}", *SERVER_FLAGS, *flags, *props, "-cp", cp, main_class, *args]


def tool(main_class: str, cp: str, *, properties: dict | None = None, args=(), heap: str = "256m"):
    props = [f"-D{key}={value}" for key, value in (properties or {}).items()]
    return [JAVA, f"-Xmx{heap}", *TOOL_FLAGS, *props, "-cp", cp, main_class, *args]

