"""How the sandbox starts JVMs on a 2-core machine."""

from __future__ import annotations

from pathlib import Path

from agility.sandbox.services import templates

JAVA_HOME = Path("/usr/lib/jvm/java-17-openjdk-amd64")
JAVA = str(JAVA_HOME / "bin" / "java")

# Which flags, and why: services/templates/jvm/*.options.
SERVER_FLAGS = templates.options("jvm", "server.options")
TOOL_FLAGS = templates.options("jvm", "tool.options")


def classpath(*entries: Path | str) -> str:
    return ":".join(str(entry) for entry in entries)


def server(main_class: str, cp: str, heap: str, *, flags: list[str] = (), properties: dict | None = None, args=()):
    """The command line of a server JVM with a fixed maximum heap."""
    props = [f"-D{key}={value}" for key, value in (properties or {}).items()]
    return [JAVA, "-Xms64m", f"-Xmx{heap}", *SERVER_FLAGS, *flags, *props, "-cp", cp, main_class, *args]


def flags_and_properties(options) -> tuple[list[str], dict[str, str]]:
    """An options file's flags, and its -Dkey=value options as the `properties` of server()/tool()
    (so that a setting can still override one of them by key)."""
    flags, properties = [], {}
    for option in options:
        if option.startswith("-D"):
            key, _, value = option[2:].partition("=")
            properties[key] = value
        else:
            flags.append(option)
    return flags, properties


def tool(main_class: str, cp: str, *, properties: dict | None = None, args=(), heap: str = "256m",
         archive: Path | None = None):
    """The command line of a short-lived tool JVM; `archive`: a class-data sharing archive built for
    exactly `cp` (class_data.py), which the JVM ignores if it no longer fits."""
    props = [f"-D{key}={value}" for key, value in (properties or {}).items()]
    shared = [f"-XX:SharedArchiveFile={archive}"] if archive else []
    return [JAVA, f"-Xmx{heap}", *TOOL_FLAGS, *shared, *props, "-cp", cp, main_class, *args]

