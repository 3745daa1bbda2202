"""Pure functions of provisioning: the declaration's validation, sizes, plans, the registry."""

import pytest

from agility.config import declaration
from agility.config.developers import Registry
from agility.core.errors import AgilityError, ConfigError
from agility.provisioning.plan import Plan

pytestmark = pytest.mark.unit
AREAS = {"dev", "test", "prod"}


def test_the_shipped_declaration_is_valid():
    spec = declaration.load_file(declaration.DEFAULT_FILE)
    assert [user.name for user in spec.linux_users] == ["dev-kafka", "test-kafka", "prod-kafka", "dev-hdfs", "dev-cassandra", "dev-mysql",
                                                         "prod-analyst"]
    assert set(spec.service_accounts) == set(declaration.SERVICES)
    assert spec.quota("prod", "hdfs")["space"] == 64 * 2**20
    assert spec.quota("dev", "kafka") == {}


@pytest.mark.parametrize("data, message", [
    ({"linux_users": [{"name": "x", "uid": 3001, "area": "qa"}]}, "unknown area 'qa'; areas: dev, prod, test"),
    ({"linux_users": [{"name": "x", "uid": 12, "area": "dev"}]}, "uid must be a number from 1000"),
    ({"linux_users": [{"name": "x", "uid": 3001, "area": "dev"}, {"name": "x", "uid": 3002, "area": "dev"}]},
     "declared twice"),
    ({"linux_users": [{"name": "x", "uid": 3001, "area": "dev", "groups": ["wheel"]}]}, "unknown groups"),
    ({"service_accounts": {"ftp": ["dev"]}}, "unknown service 'ftp'"),
    ({"quotas": {"prod": {"mysql": {"max_user_connections": 1}}}}, "no mysql service account to hold the quota"),
    ({"service_accounts": {"hdfs": ["prod"]}, "quotas": {"prod": {"hdfs": {"space": "lots"}}}}, "is not a size"),
    ({"service_accounts": {"mysql": ["prod"]}, "quotas": {"prod": {"mysql": {"max_connections": 3}}}},
     "unknown \\['max_connections'\\]"),
    ({"service_accounts": {"spark": ["prod"]}, "quotas": {"prod": {"spark": {"cores": 0}}}}, "must be positive"),
    ({"users": []}, "unknown keys \\['users'\\]"),
])
def test_bad_declarations_say_what_is_wrong(data, message):
    with pytest.raises(ConfigError, match=message):
        declaration.parse(data, AREAS, "p.yaml")


@pytest.mark.parametrize("text, size", [("64m", 64 * 2**20), ("2g", 2 * 2**30), ("1024", 1024), ("8K", 8192)])
def test_sizes(text, size):
    assert declaration.size_in_bytes(text) == size


def test_a_plan_applies_in_order_and_says_where_it_stopped():
    done = []
    plan = Plan()
    plan.add("a", "first", lambda: done.append(1))
    plan.add("b", "second", lambda: (_ for _ in ()).throw(AgilityError("refused")))
    plan.add("c", "third", lambda: done.append(3))
    with pytest.raises(AgilityError, match="stopped at 'b: second': refused \\(1 of 3 changes applied\\)"):
        plan.apply()
    assert done == [1] and not Plan() and plan.lines()[0] == "a: first"


def test_the_developer_registry_allocates_uids_and_forgets(tmp_path):
    registry = Registry("p", root=tmp_path)
    ada = registry.add("ada", "dev", ("kafka-developers",), "ssh-ed25519 AAAA ada", taken_uids={3001})
    bob = registry.add("bob", "prod", ("hdfs-developers",), "ssh-ed25519 AAAA bob", taken_uids=set())
    assert (ada.uid, bob.uid) == (4001, 4002)
    assert registry.add("ada", "dev", (), None, set()) == ada  # already there: unchanged
    assert registry.account("ada").password.reveal() != registry.account("bob").password.reveal()
    assert oct(registry.secrets_file.stat().st_mode & 0o777) == "0o600"
    registry.remove("ada")
    assert list(registry.all()) == ["bob"]
    with pytest.raises(ConfigError, match="no developer 'ada' was provisioned; developers: bob"):
        registry.get("ada")
