"""A class-data sharing archive (AppCDS) for Spark's JVMs: the driver on the edge node, and the
application master and executors in YARN's containers.

Every Spark job starts at least three JVMs that each read, parse and verify some 11,000 classes
out of pyspark's 250 jars before any work; on this machine that is most of a small job's CPU. The
archive (class_data.py's mechanism) holds them already parsed: measured on the sandbox act's
YARN job, 29 CPU-s → 20 CPU-s for the job's processes, 27 s → 21 s for the scenario.

The classes are learnt from a local Spark session doing what the jobs do (spark_training.py;
local mode runs the executors' side in the driver, on loopback). A JVM maps the archive only if
its classpath starts with the archive's (pyspark's jars) and every directory in that prefix is
empty: so the settings put the jars before Spark's and YARN's configuration folders and each
container's own. A JVM that finds the archive stale (other jars, another JVM) ignores it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from agility.core.errors import AgilityError
from agility.core.paths import ARTIFACTS_DIR
from agility.sandbox import class_data, jvm
from agility.sandbox.services.spark import SPARK_HOME

JARS = SPARK_HOME / "jars"
FOLDER = ARTIFACTS_DIR / "spark"
PREFIX = "jvms-"
# Short-lived JVMs on a 2-core machine: the client compiler only and the serial collector start a
# driver, application master or executor several seconds sooner (measured: 39 s → 30 s a job).
QUICK_FLAGS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
TRAINING = Path(__file__).with_name("spark_training.py")
# Spark's and Hadoop's client settings of whoever builds it play no part: an empty configuration folder
UNSET = ("SPARK_CONF_DIR", "HADOOP_CONF_DIR", "YARN_CONF_DIR", "PYSPARK_SUBMIT_ARGS", "SPARK_HOME")


def classpath() -> str:
    return f"{JARS}/*"


def archive() -> Path | None:
    """The archive for pyspark's jars as installed now, if it was built."""
    return class_data.archive_for(JARS, FOLDER, PREFIX)


def jvm_settings(shared: Path | None) -> dict[str, str]:
    """Spark's settings for its driver, application master and executors: the quick flags, and
    with an archive, the archive and the classpath that lets them map it."""
    options = f"{QUICK_FLAGS} -XX:SharedArchiveFile={shared}" if shared else QUICK_FLAGS
    settings = {f"spark.{role}.extraJavaOptions": options for role in ("driver", "yarn.am", "executor")}
    if shared:
        settings |= {f"spark.{role}.extraClassPath": classpath() for role in ("driver", "yarn.am", "executor")}
    return settings


def build(progress=print) -> Path:
    """The archive for pyspark's jars, built unless it is there."""
    target = class_data.archive_path(JARS, FOLDER, PREFIX)
    if target.is_file():
        progress(f"  ✓ {'spark CDS':<11} cached ({target.name})")
        return target
    progress(f"  … {'spark CDS':<11} learning Spark's classes from a local session (once per set of jars)")
    FOLDER.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="agility-spark-cds-") as scratch:
        class_list = Path(scratch) / "driver.classlist"
        learn(class_list, Path(scratch))
        class_data.dump_lists(classpath(), [class_list], target, QUICK_FLAGS.split())
    target.parent.chmod(0o755)
    progress(f"  ✓ {'spark CDS':<11} {target.name} ({target.stat().st_size >> 20} MiB)")
    return target


def learn(class_list: Path, scratch: Path) -> None:
    """Run the training session with spark-submit, as the jobs' drivers start, listing its classes."""
    conf = scratch / "conf"
    conf.mkdir()
    # run from a copy: Python puts a script's folder first on sys.path, and this one's operator.py
    # would stand in for the standard library's
    script = scratch / TRAINING.name
    script.write_text(TRAINING.read_text())
    done = local_submit(script, [str(scratch / "out")], conf, f"{QUICK_FLAGS} -XX:DumpLoadedClassList={class_list}")
    if done.returncode != 0 or not class_list.is_file():
        raise AgilityError(f"the Spark session that learns Spark's classes failed (exit {done.returncode}):\n"
                           f"{(done.stderr or done.stdout)[-1500:]}")


def local_submit(script: Path, args: list[str], conf: Path, java_options: str) -> subprocess.CompletedProcess:
    """`script` run by spark-submit in local mode on loopback, its driver started as the jobs' are
    (pyspark's jars first on its classpath), with `conf` as its SPARK_CONF_DIR; whoever runs it
    lends no Spark or Hadoop settings of their own."""
    environment = {key: value for key, value in os.environ.items() if key not in UNSET}
    environment |= {"SPARK_CONF_DIR": str(conf), "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable,
                    "JAVA_HOME": str(jvm.JAVA_HOME)}
    return subprocess.run(
        [str(SPARK_HOME / "bin" / "spark-submit"), "--master", "local[1]", "--conf", "spark.ui.enabled=false",
         "--driver-class-path", classpath(), "--driver-java-options", java_options, str(script), *args],
        env=environment, capture_output=True, text=True, timeout=300, check=False)
