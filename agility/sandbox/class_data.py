"""A class-data sharing archive (AppCDS) for Kafka's command-line tools, and how one is dumped
(spark_class_data.py makes the one of Spark's JVMs the same way).

Every Kafka tool call starts a JVM that reads, parses and verifies about 4,500 classes out of 93
jars before it does any work: on this machine that is most of the call's CPU. The archive holds
those classes already parsed and verified; a tool's JVM maps it and skips that work. It is built
once per set of jars and JVM (its name carries both), at `sandbox fetch`, next to the jars.

The classes are learnt by running the tools themselves against a closed loopback port with short
timeouts (nothing leaves the machine): they load the admin client, consumer, SASL and SCRAM
classes they load against a real cluster, then give up. A JVM that finds the archive stale (other
jars, another JVM) ignores it and starts as before: the archive only ever makes a start faster.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from pathlib import Path

from agility.core.errors import AgilityError
from agility.sandbox import jvm
from agility.sandbox.services import templates

ARCHIVE_PREFIX = "tools-"
CLOSED_PORT = "127.0.0.1:1"  # loopback, nothing listens: every connection is refused at once
# Short timeouts so the refused tools give up in seconds; a SASL/SCRAM client as on the edge.
TRAINING_CLIENT_CONFIG = """security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="training" password="training";
default.api.timeout.ms=1500
request.timeout.ms=1000
"""
# (main class, its arguments after --bootstrap-server and the client config): what the acts run.
TRAINING_RUNS = [
    ("org.apache.kafka.tools.TopicCommand", "--command-config", ["--describe", "--topic", "training"]),
    ("org.apache.kafka.tools.consumer.ConsoleConsumer", "--consumer.config",
     ["--topic", "training", "--group", "training", "--from-beginning", "--max-messages", "1", "--timeout-ms", "1500",
      "--property", "print.key=true"]),
    ("org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", "--command-config",
     ["--describe", "--group", "training", "--timeout", "1500"]),
    ("kafka.admin.ConfigCommand", "--command-config", ["--describe", "--entity-type", "users"]),
]


def stamp(lib: Path) -> str:
    """What the archive was built from: the JVM's release and every jar's name, size and time."""
    jars = sorted((jar.name, jar.stat().st_size, int(jar.stat().st_mtime)) for jar in lib.glob("*.jar"))
    release = (jvm.JAVA_HOME / "release").read_bytes() if (jvm.JAVA_HOME / "release").exists() else b""
    return hashlib.sha256(release + repr(jars).encode()).hexdigest()[:12]


def archive_path(lib: Path, folder: Path | None = None, prefix: str = ARCHIVE_PREFIX) -> Path:
    """Where the archive of the jars in `lib` goes: beside `lib` (the tools'), or in `folder`."""
    return (folder or lib.parent) / f"{prefix}{stamp(lib)}.jsa"


def archive_for(lib: Path, folder: Path | None = None, prefix: str = ARCHIVE_PREFIX) -> Path | None:
    """The archive for the jars in `lib` as they are now, if it was built."""
    path = archive_path(lib, folder, prefix)
    return path if path.is_file() else None


def build(lib: Path, progress=print) -> Path:
    """The Kafka tools' archive for the jars in `lib`, built unless it is there."""
    target = archive_path(lib)
    if target.is_file():
        progress(f"  ✓ {'kafka CDS':<11} cached ({target.name})")
        return target
    progress(f"  … {'kafka CDS':<11} learning the tools' classes (once per set of jars)")
    with tempfile.TemporaryDirectory(prefix="agility-cds-") as scratch:
        client_config = Path(scratch) / "client.properties"
        client_config.write_text(TRAINING_CLIENT_CONFIG)
        logging_config = Path(scratch) / "tools-log4j2.xml"
        logging_config.write_text(templates.text("kafka", "tools-log4j2.xml"))
        runs = [[f"-Dlog4j2.configurationFile={logging_config}", main_class, "--bootstrap-server", CLOSED_PORT,
                 config_option, str(client_config), *args] for main_class, config_option, args in TRAINING_RUNS]
        dump(f"{lib}/*", runs, target)
    progress(f"  ✓ {'kafka CDS':<11} {target.name} ({target.stat().st_size >> 20} MiB)")
    return target


def dump(classpath: str, runs: list[list[str]], target: Path) -> None:
    """An archive at `target` of the classes that `runs` (each: JVM options, main class, arguments)
    load from `classpath`; any older archive beside it with the same prefix is removed. The JVM
    flags are the tools' own, as they must be when the archive is used."""
    flags = [flag for flag in jvm.TOOL_FLAGS if not flag.startswith("-Xshare")]
    with tempfile.TemporaryDirectory(prefix="agility-cds-") as scratch:
        lists = []
        for number, run in enumerate(runs):
            class_list = Path(scratch) / f"{number}.classlist"
            # a refused tool exits non-zero: what counts is the classes it loaded on the way
            subprocess.run([jvm.JAVA, *flags, f"-XX:DumpLoadedClassList={class_list}", "-cp", classpath, *run],
                           capture_output=True, timeout=120, check=False)
            if class_list.is_file():
                lists.append(class_list)
        dump_lists(classpath, lists, target, flags)


def dump_lists(classpath: str, lists: list[Path], target: Path, flags: list[str]) -> None:
    """An archive at `target` of the classes named in `lists` (-XX:DumpLoadedClassList files),
    loaded from `classpath`, which must be where the JVMs that use it start their classpath."""
    if not lists:
        raise AgilityError(f"no training run of {classpath} started a JVM to learn its classes")
    prefix = target.name.rsplit("-", 1)[0] + "-"  # its older builds: the same name, another stamp
    with tempfile.TemporaryDirectory(prefix="agility-cds-") as scratch:
        merged = Path(scratch) / "merged.classlist"
        merged.write_text("".join(sorted({line for path in lists for line in path.read_text().splitlines(True)})))
        partial = target.with_suffix(".partial")
        done = subprocess.run([jvm.JAVA, *flags, "-Xshare:dump", f"-XX:SharedClassListFile={merged}",
                               f"-XX:SharedArchiveFile={partial}", "-cp", classpath],
                              capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0 or not partial.is_file():
            raise AgilityError(f"the class-data archive of {classpath} could not be dumped (exit {done.returncode}):\n"
                               f"{(done.stderr or done.stdout)[-1500:]}")
    for old in target.parent.glob(f"{prefix}*.jsa"):
        old.unlink()
    partial.chmod(0o444)
    partial.rename(target)
