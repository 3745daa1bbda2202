"""The Kerberos act: HDFS on a cluster that uses Kerberos, asked with and without tickets."""

from __future__ import annotations

import posixpath

from pytest_bdd import given, parsers, then, when

from agility.checks import isolation, kerberos_hdfs
from fixtures.kerberized import EDGE_DEVELOPER


@given("a cluster whose HDFS uses Kerberos, its KDC on the master node")
def kerberized_cluster(kerberized_platform, narrate):
    settings = kerberos_hdfs.settings_of(kerberized_platform)
    narrate(f"{kerberized_platform.name}: realm {settings.realm}, KDC at {settings.kdc} "
            f"(kadmin on {settings.admin.get('node')}), HttpFS and WebHDFS ask for HTTP/{settings.http_host}")


@given("its people and accounts are provisioned, each HDFS developer with a keytab of their own")
def provisioned(kerberized_provisioning, narrate):
    narrate("\n".join(kerberized_provisioning) or "already provisioned: nothing to change")


@when("a client with no ticket lists the dev area's directory through HttpFS, claiming to be the dev area's account",
      target_fixture="answer")
def no_ticket(kerberized_platform, kerberized_clients, narrate):
    area = kerberized_platform.area("dev")
    return kerberos_hdfs.without_ticket(kerberized_clients, area.hdfs_root, area.hdfs_account, narrate)


@then("HttpFS answers 401 with a Kerberos challenge, saying that authentication is required")
def refused_without_ticket(answer):
    assert not kerberos_hdfs.refused_without_ticket_problems(answer)


@when("the dev area's account writes a file in its directory with a ticket from its keytab", target_fixture="roundtrip")
def own_file(kerberized_platform, kerberized_clients, narrate):
    return kerberos_hdfs.own_file_roundtrip(kerberized_clients, kerberized_platform.area("dev"), narrate)


@then("HDFS lists the file as the account's own and reads back exactly what was written")
def own_file_listed(kerberized_platform, roundtrip):
    assert not kerberos_hdfs.own_file_problems(roundtrip, kerberized_platform.area("dev"))


@when(parsers.parse("the dev area's account lists prod's directory with its own ticket, claiming {claim}"),
      target_fixture="answer")
def claim_another(kerberized_platform, kerberized_clients, claim, narrate):
    own, other = kerberized_platform.area("dev"), kerberized_platform.area("prod")
    return kerberos_hdfs.claiming(kerberized_clients, own, other, claim, narrate)


@then("HDFS refuses it in its own words, naming the dev area's account as the caller")
def claim_refused(kerberized_platform, answer):
    assert not kerberos_hdfs.claim_refused_problems(answer, kerberized_platform.area("dev"))


@when("the dev area's account lists its directory with a ticket of a few seconds, before and after it expires",
      target_fixture="expiry")
def expired_ticket(kerberized_platform, kerberized_clients, narrate):
    return kerberos_hdfs.with_expired_ticket(kerberized_clients, kerberized_platform.area("dev"), narrate)


@then("the fresh ticket works, and once expired Kerberos says so and HttpFS answers 401")
def expired_refused(expiry):
    assert not kerberos_hdfs.expired_ticket_problems(*expiry)


# --- the edge node's shell ---------------------------------------------------------------------------
@given("the dev HDFS developer is logged in on the edge node", target_fixture="edge_shell")
def edge_developer(kerberized_platform, kerberized_edge_shell, narrate):
    narrate(f"ssh {kerberized_edge_shell.user}@{kerberized_platform.edge} through the bastion")
    return kerberized_edge_shell


@when("the developer runs hdfs dfs -ls on the areas without a ticket", target_fixture="edge_run")
def edge_no_ticket(kerberized_platform, edge_shell, narrate):
    areas = posixpath.dirname(kerberized_platform.area("dev").hdfs_root)
    return kerberos_hdfs.edge_listing(kerberized_platform, edge_shell, areas, ticket=False, claim=None, say=narrate)


@then("the shell refuses: the client cannot authenticate with Kerberos")
def edge_refused(edge_run):
    assert not kerberos_hdfs.edge_refused_problems(edge_run)


@when("the developer runs kinit with their keytab and lists the areas again", target_fixture="edge_run")
def edge_with_ticket(kerberized_platform, edge_shell, narrate):
    areas = posixpath.dirname(kerberized_platform.area("dev").hdfs_root)
    return kerberos_hdfs.edge_listing(kerberized_platform, edge_shell, areas, ticket=True, claim=None, say=narrate)


@then("the listing shows the dev area's directory, with the developer's own ticket")
def edge_listed(kerberized_platform, edge_run):
    principal = kerberos_hdfs.settings_of(kerberized_platform).principal(EDGE_DEVELOPER)
    assert not kerberos_hdfs.edge_listed_problems(edge_run, kerberized_platform.area("dev").hdfs_root, principal)


@when("the developer claims to be prod's account with HADOOP_USER_NAME and lists prod's directory",
      target_fixture="edge_run")
def edge_claim(kerberized_platform, edge_shell, narrate):
    prod = kerberized_platform.area("prod")
    return kerberos_hdfs.edge_listing(kerberized_platform, edge_shell, prod.hdfs_root, ticket=True,
                                      claim=prod.hdfs_account, say=narrate)


@then("HDFS refuses it as the developer")
def edge_claim_refused(edge_run):
    assert not kerberos_hdfs.edge_claim_problems(edge_run, EDGE_DEVELOPER)


@when("a pySpark job on YARN, logged in with the dev area's principal and keytab, counts the lines of a file the account wrote",
      target_fixture="spark_job")
def spark_with_keytab(kerberized_platform, kerberized_clients, edge_shell, narrate):
    return kerberos_hdfs.spark_job_with_keytab(kerberized_clients, edge_shell, kerberized_platform.area("dev"), 500, narrate)


@then("it counts every line, and Spark and the ResourceManager both ran it as the dev area's account")
def spark_ran_as_account(kerberized_platform, spark_job):
    assert not kerberos_hdfs.spark_job_problems(spark_job, kerberized_platform.area("dev"))


# --- the isolation matrix's HDFS rows, on this cluster -------------------------------------------------
@when(parsers.parse("on the Kerberized cluster the {own} area's account reaches for the {other} area's hdfs directory"),
      target_fixture="denied")
def kerberized_isolation(kerberized_platform, kerberized_clients, own, other, narrate):
    return isolation.reach_other_area(kerberized_clients, kerberized_platform.area(own), kerberized_platform.area(other),
                                      "hdfs directory", narrate)
