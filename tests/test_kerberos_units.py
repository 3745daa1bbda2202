"""Pure functions of the Kerberos act and of a cluster with Kerberos: its realm and krb5.conf, the
principals and keytabs its KDC makes, the site files' Kerberos parts, the host's client settings,
and the verdicts on what HDFS answered."""

import os
from pathlib import Path

import pytest

from agility.checks import kerberos_hdfs
from agility.checks.kerberos_hdfs import HttpAnswer, ShellRun
from agility.clients import kerberos_login
from agility.config import areas
from agility.core.errors import AgilityError
from agility.sandbox import clusters, kerberos
from agility.sandbox.node import Node
from agility.sandbox.service import SandboxContext
from agility.sandbox.services import templates
from agility.sandbox.services.kdc import Kdc

pytestmark = pytest.mark.unit

REALM = kerberos.Realm("KERBERIZED.AGILITY", "198.18.2.11:1088", ("bastion", "master", "edge", "agent-1"))
DEV, PROD = areas.load_all()["dev"], areas.load_all()["prod"]


def test_the_realm_is_the_cluster_s_name_and_krb5_conf_maps_every_node_to_it_over_tcp():
    assert kerberos.realm_name("kerberized") == "KERBERIZED.AGILITY"
    text = kerberos.krb5_conf(REALM)
    assert "default_realm = KERBERIZED.AGILITY" in text and "kdc = 198.18.2.11:1088" in text
    assert "udp_preference_limit = 1" in text and f"clockskew = {kerberos.CLOCK_SKEW_S}" in text
    assert all(f"    {host} = KERBERIZED.AGILITY" in text for host in REALM.hosts)
    assert "##" not in text and "127.0.0.1:9" in kerberos.krb5_conf(REALM, kdc="127.0.0.1:9")


def test_the_kdc_makes_a_keytab_per_daemon_and_host_with_its_http_principal_and_one_per_service_account(tmp_path):
    nodes = {}
    for name, services in (("master", ("namenode", "httpfs")), ("agent-1", ("datanode",)), ("agent-2", ("datanode",))):
        nodes[name] = Node(name, "198.18.2.1", tmp_path / name)
        nodes[name].services = services
    context = SandboxContext("kerberized", tmp_path, tmp_path, nodes, settings={"kerberos": REALM},
                             work_areas={"dev": DEV, "prod": PROD})
    keytabs = {path.name: names for path, names in Kdc(context, [nodes["master"]]).keytabs().items()}
    assert keytabs["namenode-master.keytab"] == ["nn/master@KERBERIZED.AGILITY", "HTTP/master@KERBERIZED.AGILITY"]
    assert keytabs["httpfs-master.keytab"] == ["httpfs/master@KERBERIZED.AGILITY", "HTTP/master@KERBERIZED.AGILITY"]
    assert keytabs["datanode-agent-2.keytab"] == ["dn/agent-2@KERBERIZED.AGILITY", "HTTP/agent-2@KERBERIZED.AGILITY"]
    assert {name for name in keytabs if name.startswith("user-")} == {
        "user-hdfs.keytab", f"user-{DEV.hdfs_account}.keytab", f"user-{PROD.hdfs_account}.keytab"}


def test_a_keytab_is_installed_for_its_owner_only(tmp_path):
    source = tmp_path / "exported.keytab"
    source.write_bytes(b"\x05\x02keys")
    target = tmp_path / "home" / "keytabs" / "namenode.keytab"
    kerberos.install(source, target, os.getuid(), os.getgid())
    kerberos.install(source, target, os.getuid(), os.getgid())  # again: replaced, not appended to
    assert target.read_bytes() == b"\x05\x02keys" and oct(target.stat().st_mode & 0o777) == "0o400"


def test_the_site_files_kerberos_parts_name_the_realm_and_keep_hadoops_rule_syntax():
    core = templates.render("hadoop", "kerberos/core-site.xml", realm="R.AGILITY", keytab="/k/nn.keytab")
    assert "RULE:[2:$1/$2@$0](nn/.*@R.AGILITY)s/.*/hdfs/" in core
    assert "RULE:[2:$1/$2@$0](rm/.*@R.AGILITY)s/.*/yarn/" in core and "##" not in core
    web = templates.render("hadoop", "kerberos/web-site.xml", realm="R.AGILITY", keytab="/k/nn.keytab")
    assert "<name>hadoop.http.authentication.type</name><value>kerberos</value>" in web and "<value>/jmx</value>" in web
    hdfs_site = templates.render("hadoop", "kerberos/hdfs-site.xml", realm="R.AGILITY", keytab="/k/nn.keytab")
    assert "<value>nn/_HOST@R.AGILITY</value>" in hdfs_site and "<value>authentication</value>" in hdfs_site
    plain = templates.render("hadoop", "core-site.xml", default_fs="hdfs://x:8020", tmp="/t", proxy_user="httpfs",
                             proxy_hosts="h", proxy_users="u", proxy_groups="g", verbatim={"kerberos": core})
    assert plain.index("hadoop.security.authentication") < plain.index("</configuration>")


def settings(**overrides) -> kerberos_login.KerberosSettings:
    section = {"realm": "R.AGILITY", "kdc": "198.18.2.11:1088", "http_host": "master",
               "keytabs": {"hdfs": "/k/user-hdfs.keytab"}, "admin": {"node": "master", "user": "kdc"}, **overrides}
    return kerberos_login.KerberosSettings.of({"webhdfs": "x", "kerberos": section})


def test_a_profile_without_kerberos_has_no_settings_and_a_missing_keytab_names_the_known_ones():
    assert kerberos_login.KerberosSettings.of({"webhdfs": "x"}) is None
    found = settings()
    assert found.principal("dev_hdfs") == "dev_hdfs@R.AGILITY" and found.clockskew == 300
    with pytest.raises(AgilityError, match="no keytab for dev_hdfs@R.AGILITY .* has: hdfs"):
        found.keytab("dev_hdfs")


def test_the_process_knows_each_realm_it_uses_at_its_kdc_through_the_tunnel(monkeypatch):
    monkeypatch.setattr(kerberos_login, "_realms", {})
    monkeypatch.setenv("KRB5_CONFIG", "/etc/krb5.conf")
    path = Path(kerberos_login.use_realm(settings(), "127.0.0.1:40001"))
    kerberos_login.use_realm(settings(realm="OTHER.AGILITY", clockskew=10), "127.0.0.1:40002")
    text = path.read_text()
    assert os.environ["KRB5_CONFIG"] == str(path)
    assert "R.AGILITY = {\n        kdc = 127.0.0.1:40001" in text and "OTHER.AGILITY = {\n        kdc = 127.0.0.1:40002" in text
    assert "udp_preference_limit = 1" in text


def test_a_kdc_that_cannot_be_contacted_is_tried_again_and_a_kdc_s_refusal_is_not(monkeypatch):
    import gssapi

    calls = []

    def answers(*failures):
        def credentials(**_):
            calls.append(1)
            if len(calls) <= len(failures):
                raise gssapi.exceptions.GSSError(458752, failures[len(calls) - 1])
            return "a ticket"
        return credentials

    monkeypatch.setattr(gssapi, "Credentials", answers(kerberos_login.KRB5_KDC_UNREACH))
    assert kerberos_login.credentials(settings(), "hdfs", patience=5) == "a ticket" and len(calls) == 2

    calls.clear()
    client_not_found = 2529638918  # KRB5_KDC_UNKNOWN_PRINC: the KDC answered
    monkeypatch.setattr(gssapi, "Credentials", answers(client_not_found, client_not_found))
    with pytest.raises(AgilityError, match="no ticket for hdfs@R.AGILITY from its keytab: Major"):
        kerberos_login.credentials(settings(), "hdfs", patience=5)
    assert len(calls) == 1

    calls.clear()
    monkeypatch.setattr(gssapi, "Credentials", answers(*[kerberos_login.KRB5_KDC_UNREACH] * 9))
    with pytest.raises(AgilityError, match="no ticket for hdfs@R.AGILITY .* the KDC of R.AGILITY at .* did not answer"):
        kerberos_login.credentials(settings(), "hdfs", patience=1)
    assert len(calls) == 2


def answer(status: int, message: str, exception: str = "", challenge: str = "", kerberos_error: str = "") -> HttpAnswer:
    return HttpAnswer("GET /areas/prod?op=LISTSTATUS", status, challenge, message, exception, kerberos_error)


def test_without_a_ticket_only_a_401_negotiate_saying_authentication_is_required_counts():
    assert kerberos_hdfs.refused_without_ticket_problems(answer(401, "Authentication required", challenge="Negotiate")) == []
    assert kerberos_hdfs.refused_without_ticket_problems(answer(200, "OK"))  # simple authentication took the name
    assert kerberos_hdfs.refused_without_ticket_problems(answer(401, "Authentication required", challenge="Basic"))


def test_a_claimed_name_counts_as_refused_only_by_hdfs_naming_the_ticket_s_account():
    denied = 'Permission denied: user=dev_hdfs, access=READ_EXECUTE, inode="/areas/prod":prod_hdfs:prod-area:drwxr-x---'
    assert kerberos_hdfs.claim_refused_problems(answer(500, denied, "AccessControlException"), DEV) == []
    proxy = "User: dev_hdfs@R.AGILITY is not allowed to impersonate prod_hdfs"
    assert kerberos_hdfs.claim_refused_problems(answer(403, proxy, "AuthorizationException"), DEV) == []
    assert kerberos_hdfs.claim_refused_problems(answer(200, ""), DEV)
    assert kerberos_hdfs.claim_refused_problems(answer(500, denied.replace("dev_hdfs", "prod_hdfs", 1),
                                                       "AccessControlException"), DEV)  # taken for prod: a leak
    assert kerberos_hdfs.claim_refused_problems(answer(500, "Connection refused", "ConnectException"), DEV)


def test_an_expired_ticket_counts_as_refused_only_after_it_worked_and_with_kerberos_saying_expired():
    valid = answer(200, "OK")
    expired = answer(401, "Authentication required", challenge="Negotiate", kerberos_error="Minor (2529638944): Ticket expired")
    assert kerberos_hdfs.expired_ticket_problems(valid, expired) == []
    assert kerberos_hdfs.expired_ticket_problems(valid, answer(200, "OK"))  # within the clock-skew allowance
    assert kerberos_hdfs.expired_ticket_problems(answer(401, "Authentication required"), expired)


def test_the_edge_shell_verdicts_read_fsshell_s_own_words():
    cannot = "DestHost:destPort master:8020 ... Client cannot authenticate via:[TOKEN, KERBEROS]"
    assert kerberos_hdfs.edge_refused_problems(ShellRun("hdfs dfs -ls /areas", 1, cannot)) == []
    assert kerberos_hdfs.edge_refused_problems(ShellRun("hdfs dfs -ls /areas", 0, "Found 3 items"))
    assert kerberos_hdfs.edge_refused_problems(ShellRun("hdfs dfs -ls /areas", 1, "Connection refused"))
    listing = "Found 1 items\ndrwxr-x---   - dev_hdfs dev-area          0 2026-12-02 20:06 /areas/dev"
    ok = ShellRun("kinit; hdfs dfs -ls /areas", 0, listing, "dev-hdfs@R.AGILITY")
    assert kerberos_hdfs.edge_listed_problems(ok, "/areas/dev", "dev-hdfs@R.AGILITY") == []
    assert kerberos_hdfs.edge_listed_problems(ok, "/areas/dev", "prod-analyst@R.AGILITY")
    assert kerberos_hdfs.edge_listed_problems(ok, "/areas/test", "dev-hdfs@R.AGILITY")
    refused = 'Permission denied: user=dev-hdfs, access=READ_EXECUTE, inode="/areas/prod"'
    assert kerberos_hdfs.edge_claim_problems(ShellRun("ls", 1, refused), "dev-hdfs") == []
    assert kerberos_hdfs.edge_claim_problems(ShellRun("ls", 1, refused.replace("dev-hdfs", "prod_hdfs")), "dev-hdfs")


def test_the_kerberized_cluster_is_declared_with_kerberos_and_the_others_without():
    found = clusters.load_all()
    assert found["kerberized"].kerberos and not found["shared"].kerberos and not found["production"].kerberos


def test_a_spark_job_gets_the_account_s_keytab_as_a_secret_and_logs_in_from_a_private_copy(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from agility.clients import edge_jobs

    keytab = tmp_path / "user-dev_hdfs.keytab"
    keytab.write_bytes(b"\x05\x02secret-keys")
    plain = SimpleNamespace(hdfs={"webhdfs": "x"})
    assert edge_jobs.kerberos_secret(plain, "dev_hdfs") is None
    kerberized = SimpleNamespace(hdfs={"webhdfs": "x", "kerberos": {
        "realm": "R.AGILITY", "kdc": "k:1088", "http_host": "master", "keytabs": {"dev_hdfs": str(keytab)}}})
    secret = edge_jobs.kerberos_secret(kerberized, "dev_hdfs")
    assert secret["principal"] == "dev_hdfs@R.AGILITY" and "secret-keys" not in secret["keytab"]

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("HADOOP_USER_NAME", "prod_hdfs")
    monkeypatch.delenv("PYSPARK_SUBMIT_ARGS", raising=False)
    edge_jobs.spark_kerberos_login(secret)
    words = os.environ["PYSPARK_SUBMIT_ARGS"].split()
    assert words[:2] == ["--principal", "dev_hdfs@R.AGILITY"] and words[-1] == "pyspark-shell"
    copy = Path(words[words.index("--keytab") + 1])
    assert copy.read_bytes() == b"\x05\x02secret-keys" and oct(copy.stat().st_mode & 0o777) == "0o600"
    assert "HADOOP_USER_NAME" not in os.environ  # the ticket says who the job is
    copy.unlink()


def test_hdfs_dfs_on_a_cluster_with_kerberos_first_makes_sure_of_a_ticket():
    from types import SimpleNamespace

    from agility.clients.edge_hdfs import WITH_TICKET, EdgeHdfs

    profile = SimpleNamespace(edge="edge", hdfs={"cli": {"dfs": ["hdfs", "dfs"]}, "kerberos": {"realm": "R"}})
    shell = SimpleNamespace(user="dev-kafka")
    assert EdgeHdfs(profile, shell).command("-ls", "/") == ["sh", "-c", WITH_TICKET, "with-ticket", "", "hdfs", "dfs", "-ls", "/"]
    assert EdgeHdfs(profile, shell, hdfs_user="dev_hdfs").command("-ls", "/")[4] == "dev_hdfs"
    plain = SimpleNamespace(edge="edge", hdfs={"cli": {"dfs": ["hdfs", "dfs"]}})
    assert EdgeHdfs(plain, shell).command("-ls", "/") == ["hdfs", "dfs", "-ls", "/"]


def test_a_spark_job_on_the_kerberized_cluster_counts_as_run_by_the_account_only_when_yarn_says_so():
    ok = {"lines": 500, "written": 500, "spark_user": "dev_hdfs", "yarn_user": "dev_hdfs", "final_status": "SUCCEEDED"}
    assert kerberos_hdfs.spark_job_problems(ok, DEV) == []
    assert kerberos_hdfs.spark_job_problems({**ok, "yarn_user": "dev-hdfs"}, DEV)
    assert kerberos_hdfs.spark_job_problems({**ok, "lines": 499}, DEV)
    assert kerberos_hdfs.spark_job_problems({**ok, "final_status": "FAILED"}, DEV)
