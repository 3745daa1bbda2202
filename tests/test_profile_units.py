"""Profiles as a user writes them, and names checked whole before they reach a path, CQL or SQL."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from agility.config import areas, declaration, profiles
from agility.config.developers import Registry
from agility.core import paths
from agility.core.errors import ConfigError

pytestmark = pytest.mark.unit
INSTALLED_AGILITY = Path(sys.executable).parent / "agility"  # the venv's console script, not this checkout


def example() -> dict:
    return yaml.safe_load((Path(__file__).parents[1] / "profiles" / "example-remote.yaml").read_text())


def a_checkout(root: Path, profile: dict) -> Path:
    (root / "profiles").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "agility"\n')
    (root / "profiles" / "lab.yaml").write_text(yaml.safe_dump(profile))
    return root


def run_installed(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    assert INSTALLED_AGILITY.exists(), f"{INSTALLED_AGILITY} is missing: run `make setup`"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "LANG": "C.UTF-8"}  # no AGILITY_PROFILES
    return subprocess.run([str(INSTALLED_AGILITY), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60)


def test_the_installed_command_reads_the_profiles_of_the_checkout_it_runs_in(tmp_path):
    # an invalid lab profile: the command answers with what is wrong in *that* file, so it found it
    checkout = a_checkout(tmp_path / "work", {"name": "lab"})
    (checkout / "features").mkdir()
    done = run_installed("sandbox", "status", "--profile", "lab", cwd=checkout / "features")
    assert done.returncode == 2, done.stderr
    assert f"{checkout / 'profiles' / 'lab.yaml'}: missing keys: bastion" in done.stderr
    assert "unknown profile" not in done.stderr


def test_outside_a_checkout_the_installed_command_says_where_it_looked(tmp_path):
    done = run_installed("sandbox", "status", "--profile", "lab", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "unknown profile 'lab' (profiles are read from" in done.stderr and "AGILITY_PROFILES" in done.stderr


def test_a_checkout_is_a_profiles_folder_next_to_the_agility_project(tmp_path):
    checkout = a_checkout(tmp_path / "clone", {"name": "lab"})
    (checkout / "steps" / "deep").mkdir(parents=True)
    assert paths.checkout_dir(checkout / "steps" / "deep") == checkout.resolve()
    other = tmp_path / "other"
    (other / "profiles").mkdir(parents=True)
    (other / "pyproject.toml").write_text('[project]\nname = "something-else"\n')
    assert paths.checkout_dir(other) is None


def test_file_paths_in_a_profile_start_at_the_users_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    secrets = tmp_path / ".config" / "agility" / "remote-secrets.yaml"
    secrets.parent.mkdir(parents=True)
    secrets.write_text("mysql-admin: from-the-home-folder\n")
    profile = profiles.parse(example())
    assert profile.account("mysql").password.reveal() == "from-the-home-folder"
    assert profile.bastion.key == str(tmp_path / ".ssh" / "platform_operator_ed25519")
    assert profile.bastion.known_hosts.startswith(str(tmp_path) + "/")


def test_the_example_profile_names_every_edge_tool_a_real_cluster_needs():
    from agility.sandbox.services.kafka import EDGE_TOOLS

    profile = profiles.parse(example())
    assert set(profiles.CLI_TOOLS["kafka"]) == set(EDGE_TOOLS)  # what the sandbox writes, a real cluster names
    assert profile.kafka["cli"]["topics"] == ["/opt/kafka/bin/kafka-topics.sh"]
    assert set(profile.kafka["cli"]) == set(EDGE_TOOLS) and set(profile.hdfs["cli"]) == {"dfs", "dfsadmin"}


@pytest.mark.parametrize("change, message", [
    (lambda p: p["kafka"].pop("cli"), "kafka.cli.topics is required"),
    (lambda p: p["hdfs"]["cli"].update(dfsadmin="hdfs dfsadmin"), "hdfs.cli.dfsadmin is required: .* list of words"),
    (lambda p: p["bastion"].pop("known_hosts"), "bastion.known_hosts is required: .*host keys"),
    (lambda p: p.update(name="../lab"), "name '../lab': use letters"),
    (lambda p: p.update(areas={"dev": {"keyspace": "dev\n"}}), r"area dev: keyspace 'dev\\n'"),
    (lambda p: p.update(ssh_users={"ada\n": {"key": "~/k"}}), r"ssh_users 'ada\\n'"),
    (lambda p: p["spark"].update(master="mesos://m:5050"), "spark.master 'mesos://m:5050': give yarn, spark://"),
], ids=["no-event-stream-tools", "a-tool-as-one-string", "no-known-hosts", "a-path-as-name", "keyspace-with-newline",
        "ssh-user-with-newline", "unknown-cluster-manager"])  # ids without the word the presenter's `-k` selects the demo act by
def test_a_profile_is_refused_with_what_is_wrong(change, message):
    data = example()
    change(data)
    with pytest.raises(ConfigError, match=message):
        profiles.parse(data, source="lab.yaml")


@pytest.mark.parametrize("name", ["orders\n", "Orders", "1orders", "or-ders", "orders;", "../orders", "", "o" * 49])
def test_a_dataset_name_must_match_as_a_whole(name):
    with pytest.raises(ConfigError, match="dataset name"):
        areas.get("dev").topic(name)


@pytest.mark.parametrize("override, message", [
    ({"dev": {"keyspace": "dev\n"}}, "keyspace"),
    ({"dev": {"database": "dev`; DROP DATABASE prod; --"}}, "database"),
    ({"dev": {"hdfs_root": "/areas/../etc"}}, "hdfs_root"),
    ({"dev": {"hdfs_root": "/areas/dev\n"}}, "hdfs_root"),
    ({"dev": {"kafka_prefix": "dev"}}, "kafka_prefix"),
    ({"dev": {"kafka_account": "dev kafka"}}, "kafka_account"),
    ({"dev": {"linux_group": "dev-area\n"}}, "linux_group"),
    ({"qa\n": {}}, "area name"),
], ids=["keyspace-newline", "database-injection", "hdfs-root-dotdot", "hdfs-root-newline", "prefix-without-dot",
        "account-with-space", "group-newline", "area-name-newline"])  # not the word `-k` picks the demo act by
def test_an_areas_names_must_match_as_a_whole(override, message):
    with pytest.raises(ConfigError, match=message):
        areas.load_all(override)


def test_the_shipped_areas_are_valid_names():
    assert set(areas.load_all()) == {"dev", "test", "prod"}


def test_a_cluster_hosting_prod_alone_refuses_another_area_by_naming_the_one_it_hosts():
    data = example()
    data["work_areas"] = ["prod"]
    profile = profiles.parse(data, source="lab.yaml")
    assert list(profile.work_areas()) == ["prod"] and profile.area("prod").keyspace == "prod"
    with pytest.raises(ConfigError, match="this cluster hosts no area 'dev'; areas: prod"):
        profile.area("dev")
    assert list(profiles.parse(example(), source="lab.yaml").work_areas()) == ["dev", "test", "prod"]


@pytest.mark.parametrize("work_areas, message", [
    (["prod", "qa"], "unknown area.s. qa; areas: dev, test, prod"),
    ([], "give a list of area names"),
    ("prod", "give a list of area names"),
], ids=["unknown-area", "none", "not-a-list"])
def test_a_profiles_work_areas_are_checked_when_it_is_read(work_areas, message):
    data = example()
    data["work_areas"] = work_areas
    with pytest.raises(ConfigError, match=message):
        profiles.parse(data, source="lab.yaml")


def test_a_cluster_hosting_prod_alone_is_provisioned_with_prods_users_accounts_and_quotas_only():
    spec = declaration.load_file(declaration.DEFAULT_FILE).hosted_in(["prod"])
    assert {user.area for user in spec.linux_users} == {"prod"} and "prod-analyst" in {u.name for u in spec.linux_users}
    assert all(names == ("prod",) for names in spec.service_accounts.values())
    assert set(spec.quotas) == {"prod"} and spec.quota("prod", "spark")


@pytest.mark.parametrize("name", ["ada\n", "../ada", "ada/keys", "Ada", ""])
def test_a_developer_name_must_be_a_user_name_as_a_whole(tmp_path, name):
    registry = Registry("p", root=tmp_path)
    with pytest.raises(ConfigError, match="developer name"):
        registry.add(name, "dev", ("kafka-developers",), None, set())
    assert not any(tmp_path.rglob("*"))  # nothing was written under any name


def test_a_declared_user_name_must_match_as_a_whole():
    data = {"linux_users": [{"name": "ada\n", "uid": 3001, "area": "dev"}]}
    with pytest.raises(ConfigError, match="is not a valid user name"):
        declaration.parse(data, {"dev"}, "p.yaml")


@pytest.mark.parametrize("master", ["yarn", "spark://10.20.0.11:7077", "k8s://https://10.20.0.5:6443"])
def test_a_profile_may_send_spark_jobs_to_yarn_standalone_or_kubernetes(master):
    data = example()
    data["spark"]["master"] = master
    assert profiles.parse(data, source="lab.yaml").spark["master"] == master
