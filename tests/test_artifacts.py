"""`agility sandbox fetch`'s own logic: what it counts as a download, what it runs side by side."""

from __future__ import annotations

import threading
from unittest import mock

import pytest

from agility.sandbox import artifacts

pytestmark = pytest.mark.unit

# two lines of `mvn -B dependency:copy-dependencies` with an empty local repository
FETCHED = ("[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/org/apache/maven/plugins/"
           "maven-clean-plugin/2.5/maven-clean-plugin-2.5.pom (3.9 kB at 21 kB/s)")
ASKED = ("[INFO] Downloading from central: https://repo.maven.apache.org/maven2/org/apache/maven/plugins/"
         "maven-clean-plugin/2.5/maven-clean-plugin-2.5.pom")


def test_a_file_maven_fetched_counts_as_a_download_and_its_request_does_not():
    assert artifacts.is_download(FETCHED)
    assert not artifacts.is_download(ASKED)


def test_the_spark_archive_is_built_while_maven_resolves_the_services_jars(tmp_path):
    spark_started = threading.Event()

    def resolve(service, progress):
        # Maven's first resolve waits for the Spark archive to have begun: one after the other, it never would
        assert spark_started.wait(timeout=5), "Spark's archive was not being built while Maven resolved"
        return tmp_path / service

    with mock.patch.object(artifacts, "fetch_debian"), \
            mock.patch.object(artifacts, "fetch_maven", side_effect=resolve) as fetch_maven, \
            mock.patch.object(artifacts.class_data, "build") as kafka_archive, \
            mock.patch.object(artifacts.spark_class_data, "build", side_effect=lambda progress: spark_started.set()):
        artifacts.fetch_all(progress=lambda line: None)

    assert [call.args[0] for call in fetch_maven.call_args_list] == list(artifacts.VERSIONS["maven"])
    kafka_archive.assert_called_once_with(tmp_path / "kafka", mock.ANY)
