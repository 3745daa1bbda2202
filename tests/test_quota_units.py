"""Pure functions of the quotas: the brokers' quota lines, the Spark cap."""

import pytest

from agility.core.errors import AgilityError
from agility.jobs import spark_limits
from agility.jobs.spark_limits import SparkLimits
from agility.provisioning.quotas import parse_user_quotas

pytestmark = pytest.mark.unit

MiB = 1 << 20


def test_user_quota_lines_are_read_and_credential_lines_left_out():
    output = ("SCRAM credential configs for user-principal 'prod-x' are SCRAM-SHA-512=iterations=4096\n"
              "Quota configs for user-principal 'prod-x' are consumer_byte_rate=2097152.0, producer_byte_rate=1048576.0\n"
              "SCRAM credential configs for user-principal 'dev-x' are SCRAM-SHA-512=iterations=4096\n")
    assert parse_user_quotas(output) == {"prod-x": {"consumer_byte_rate": 2097152, "producer_byte_rate": 1048576}}
    assert parse_user_quotas("") == {}


def test_a_request_above_the_cap_is_refused_in_one_line():
    cap = SparkLimits("prod", 1, 768 * MiB)
    with pytest.raises(AgilityError) as refused:
        spark_limits.resources(cap, cores=2)
    assert str(refused.value) == "area prod may use at most 1 core(s) and 768 MiB per executor; asked for 2 cores"
    with pytest.raises(AgilityError, match=r"asked for 1024 MiB per executor$"):
        spark_limits.resources(cap, memory="1g")


def test_a_job_that_does_not_ask_gets_its_usual_resources_cut_to_the_cap():
    assert spark_limits.resources(SparkLimits("prod", 1, 768 * MiB)).spark_conf() == {
        "spark.cores.max": "1", "spark.executor.cores": "1", "spark.executor.instances": "1",
        "spark.executor.memory": "512m"}
    assert spark_limits.resources(SparkLimits("dev", None, None)).spark_conf() == {
        "spark.cores.max": "2", "spark.executor.cores": "1", "spark.executor.instances": "2",
        "spark.executor.memory": "512m"}
    assert spark_limits.resources(SparkLimits("prod", 1, 768 * MiB), 1, "768m").memory == 768 * MiB


def test_the_shipped_declaration_caps_prod_only():
    assert spark_limits.limits_for(None, "prod") == SparkLimits("prod", 1, 768 * MiB)
    assert spark_limits.limits_for(None, "dev") == SparkLimits("dev", None, None)
