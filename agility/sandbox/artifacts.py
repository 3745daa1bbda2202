"""`agility sandbox fetch`: the services' jars from Maven Central (one pom per service) and the
Debian packages the sandbox runs, each only when missing. Versions live in versions.yaml."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from agility.core.errors import AgilityError
from agility.core.paths import ARTIFACTS_DIR
from agility.sandbox import class_data, spark_class_data

HERE = Path(__file__).parent
VERSIONS = yaml.safe_load((HERE / "versions.yaml").read_text())


def fingerprint(service: str) -> str:
    pom = (HERE / "poms" / service / "pom.xml").read_bytes()
    properties = yaml.safe_dump(VERSIONS["maven"][service]).encode()
    return hashlib.sha256(pom + properties).hexdigest()[:16]


def fetch_maven(service: str, progress=print) -> Path:
    """Resolve one service's jars into the cache; a no-op when its pom and versions did not change."""
    lib = ARTIFACTS_DIR / service / "lib"
    stamp = ARTIFACTS_DIR / service / "fetched"
    wanted = fingerprint(service)
    if stamp.exists() and stamp.read_text() == wanted and any(lib.glob("*.jar")):
        progress(f"  ✓ {service:<11} cached ({len(list(lib.glob('*.jar')))} jars in {lib})")
        return lib
    if shutil.which("mvn") is None:
        raise AgilityError("Maven (`mvn`) is not installed: `apt-get install maven`")
    versions = ", ".join(f"{key}={value}" for key, value in VERSIONS["maven"][service].items())
    progress(f"  … {service:<11} resolving {versions} from Maven Central")
    staging = ARTIFACTS_DIR / service / "lib.partial"
    shutil.rmtree(staging, ignore_errors=True)
    command = [
        "mvn", "-B", "-f", str(HERE / "poms" / service / "pom.xml"),
        *[f"-D{key}={value}" for key, value in VERSIONS["maven"][service].items()],
        "dependency:copy-dependencies", f"-DoutputDirectory={staging}", "-DincludeScope=runtime",
    ]
    downloaded, tail = 0, []
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in process.stdout:
        tail = (tail + [line.rstrip()])[-30:]
        if is_download(line):
            downloaded += 1
            if downloaded % 100 == 0:
                progress(f"      {service}: {downloaded} files downloaded …")
    if process.wait() != 0:
        errors = [line for line in tail if "[ERROR]" in line] or tail
        raise AgilityError(f"{service}: Maven could not resolve {versions}:\n" + "\n".join(errors[-10:]))
    shutil.rmtree(lib, ignore_errors=True)
    staging.rename(lib)
    stamp.write_text(wanted)
    progress(f"  ✓ {service:<11} {len(list(lib.glob('*.jar')))} jars ({downloaded} files downloaded)")
    return lib


def is_download(line: str) -> bool:
    """A line of Maven's batch-mode output that reports a file fetched from a repository."""
    return line.startswith("[INFO] Downloaded from ")


def missing_debian_packages() -> list[str]:
    return sorted({package for command, package in VERSIONS["debian"].items() if shutil.which(command) is None
                   and not Path("/usr/sbin", command).exists()})


def fetch_debian(progress=print) -> None:
    packages = missing_debian_packages()
    if not packages:
        progress("  ✓ debian      packages present")
        return
    if shutil.which("apt-get") is None:
        raise AgilityError(f"missing packages {packages} and no apt-get to install them")
    progress(f"  … debian      installing {' '.join(packages)}")
    env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]):
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise AgilityError(f"`{' '.join(command)}` failed:\n{done.stdout[-1500:]}{done.stderr[-1500:]}")
    progress(f"  ✓ debian      installed {' '.join(packages)}")


def fetch_all(progress=print) -> None:
    # Side by side what shares nothing: apt, the Maven resolves, and the two class-data archives (on
    # a new machine Spark's takes the longest, ~40 s, and needs only pyspark's jars and Debian's
    # JDK, which Maven came with). Not the Maven resolves beside each other: Maven 3.8 does not
    # lock its local repository.
    lock = threading.Lock()

    def say(line: str) -> None:  # a whole line at a time from each of the threads
        with lock:
            progress(line)

    with ThreadPoolExecutor(max_workers=3) as beside:
        waiting = [beside.submit(fetch_debian, say), beside.submit(spark_class_data.build, say)]
        for service in VERSIONS["maven"]:
            lib = fetch_maven(service, say)
            if service == "kafka":
                waiting.append(beside.submit(class_data.build, lib, say))
        for work in waiting:
            work.result()


if __name__ == "__main__":
    try:
        fetch_all()
    except AgilityError as error:
        sys.exit(f"agility: {error}")


def versions_in_use() -> dict[str, str]:
    """What a run ran on, for its report: each Maven-fetched service's version (versions.yaml), each
    Debian package's installed version (dpkg's own word), each Python client's (its metadata)."""
    from importlib import metadata

    found = {f"{service}.{key.removesuffix('.version')}": str(version)
             for service, pins in VERSIONS["maven"].items() for key, version in pins.items() if key.endswith(".version")}
    for package in sorted(set(VERSIONS["debian"].values())):
        done = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
        found[f"debian.{package}"] = done.stdout.strip() if done.returncode == 0 else "not installed"
    for package in ("kafka-python", "cassandra-driver", "PyMySQL", "hdfs", "pyspark", "jupyterhub", "pytest-bdd",
                    "allure-pytest-bdd", "playwright"):
        try:
            found[f"python.{package}"] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[f"python.{package}"] = "not installed"
    return found
