"""The class-data sharing archive of a tool's classpath (agility/sandbox/class_data.py), built and
used by a real JVM on a jar compiled here: the tool's own class then comes from the archive, and
an archive whose jars changed is no longer offered. And Spark's (spark_class_data.py), mapped by
a real Spark driver started as the sandbox's settings say."""

from __future__ import annotations

import subprocess

import pytest

from agility.sandbox import class_data, jvm, spark_class_data

pytestmark = pytest.mark.unit

GREETER = "public class Greeter { public static void main(String[] a) { System.out.println(\"hello \" + a.length); } }"


@pytest.fixture
def lib(tmp_path):
    """A folder with one jar: the class Greeter."""
    sources, lib = tmp_path / "src", tmp_path / "lib"
    sources.mkdir()
    lib.mkdir()
    (sources / "Greeter.java").write_text(GREETER)
    subprocess.run([str(jvm.JAVA_HOME / "bin" / "javac"), "-d", str(sources), str(sources / "Greeter.java")], check=True)
    subprocess.run([str(jvm.JAVA_HOME / "bin" / "jar"), "cf", str(lib / "greeter.jar"), "-C", str(sources), "Greeter.class"],
                   check=True)
    return lib


def loaded_from(lib, archive) -> str:
    """Where a tool JVM took Greeter from, as its class-loading log says; the archive required
    (-Xshare:on: a JVM that cannot map it exits instead of starting without it)."""
    argv = jvm.tool("Greeter", f"{lib}/*", archive=archive)
    argv[1:1] = ["-Xshare:on", "-Xlog:class+load=info"]
    argv.remove("-Xshare:auto")
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return next(line for line in done.stdout.splitlines() if " Greeter " in line)


def test_a_tools_class_comes_from_the_archive_built_for_its_classpath(lib):
    target = class_data.archive_path(lib)
    class_data.dump(f"{lib}/*", [["Greeter", "a", "b"]], target)
    assert class_data.archive_for(lib) == target
    assert "shared objects file" in loaded_from(lib, target)


def test_an_archive_is_not_offered_once_its_jars_changed(lib):
    class_data.dump(f"{lib}/*", [["Greeter"]], class_data.archive_path(lib))
    (lib / "another.jar").write_bytes((lib / "greeter.jar").read_bytes())
    assert class_data.archive_for(lib) is None


def test_a_classpath_that_starts_no_jvm_is_a_clear_error(tmp_path):
    with pytest.raises(class_data.AgilityError, match="no training run"):
        class_data.dump(f"{tmp_path}/*", [["-XX:NoSuchFlagAtAll", "Greeter"]], tmp_path / "tools-x.jsa")


def test_a_spark_driver_with_the_sandboxs_settings_takes_sparks_classes_from_the_archive(tmp_path):
    """As on the edge node: a configuration folder that is not empty, the JVM started by spark-submit
    with the settings spark-defaults.conf gets (spark_class_data.jvm_settings); -Xshare:on makes a
    JVM that cannot map the archive exit instead of starting without it."""
    shared = spark_class_data.archive()
    assert shared is not None, "no Spark class-data archive: `agility sandbox fetch` builds it"
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "spark-defaults.conf").write_text("spark.ui.enabled false\n")
    script = tmp_path / "session.py"
    script.write_text("from pyspark.sql import SparkSession\n"
                      "spark = SparkSession.builder.getOrCreate()\nprint('rows', spark.range(10).count(), flush=True)\n"
                      "spark.stop()\n")
    settings = spark_class_data.jvm_settings(shared)
    loading = tmp_path / "class-loading.log"
    java_options = f"{settings['spark.driver.extraJavaOptions']} -Xshare:on -Xlog:class+load=info:file={loading}"
    assert settings["spark.driver.extraClassPath"] == spark_class_data.classpath()  # what local_submit puts first
    done = spark_class_data.local_submit(script, [], conf, java_options)
    assert done.returncode == 0 and "rows 10" in done.stdout, f"exit {done.returncode}: {done.stdout[-1500:]}{done.stderr[-1500:]}"
    loaded = next(line for line in loading.read_text().splitlines() if " org.apache.spark.SparkContext " in line)
    assert "shared objects file" in loaded, loaded
