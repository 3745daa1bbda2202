"""The security act: each protection of the bastion tried for real and seen to hold."""

from pathlib import Path

from pytest_bdd import parsers, then, when

from agility import areas, security
from agility.paths import REPO_DIR, STATE_DIR
from agility.provisioning import access, isolation


@when("someone tries to log in to the bastion as the operator with a password", target_fixture="refusal")
def password_login(platform, narrate):
    refusal = security.password_login_refusal(platform, platform.bastion.user)
    narrate(f"ssh {platform.bastion.user}@{platform.bastion.host} with a password: {refusal or 'ACCEPTED'}")
    return refusal


@then("the bastion refuses, allowing public keys only")
def keys_only(refusal):
    assert refusal == "only publickey authentication is allowed"


@when("someone tries to log in to the bastion as root with the operator's key", target_fixture="refusal")
def root_login(platform, narrate):
    refusal = security.login_refusal(platform, "root", platform.bastion.key)
    narrate(f"ssh root@{platform.bastion.host} with the operator's key: {refusal or 'ACCEPTED'}")
    return refusal


@then("the bastion refuses the login")
def login_refused(refusal):
    assert refusal is not None


@when("the host connects straight to the MySQL server's address inside the cluster", target_fixture="refusal")
def direct_connection(platform, narrate):
    refusal = security.direct_connection_refusal(platform.mysql["address"])
    narrate(f"connect {platform.mysql['address']} without the tunnel: {refusal or 'CONNECTED'}")
    return refusal


@then("the connection fails without leaving this host")
def connection_failed(refusal):
    # "No route to host" at once: the host's route to the cluster range is `unreachable`
    assert refusal is not None and "route" in refusal.lower(), refusal


@when("the dev developer asks the bastion to forward to the Cassandra nodes", target_fixture="refusals")
def forbidden_forwards(platform, developer, narrate):
    refusals = {endpoint: developer.shell.forward_refusal(endpoint) for endpoint in platform.cassandra["contact_points"]}
    for endpoint, refusal in refusals.items():
        narrate(f"{developer.area.kafka_account} → {endpoint}: {refusal or 'GRANTED'}")
    return refusals


@then("the bastion refuses every forward, naming it")
def every_forward_refused(refusals):
    assert refusals and all(refusal and "prohibited" in refusal.lower() for refusal in refusals.values()), refusals


@when("I scan the service logs, tunnel logs and test reports for the cluster's passwords", target_fixture="leaks")
def scan_for_secrets(platform, narrate):
    passwords = security.cluster_passwords(platform)
    roots = [*Path(STATE_DIR / "sandbox").glob("*/nodes/*/*/logs"), STATE_DIR / "tunnels", REPO_DIR / "reports"]
    leaks = security.files_containing(passwords, [root for root in roots if root.exists()])
    narrate(f"{len(passwords)} passwords searched in {len(roots)} folders: {len(leaks)} file(s) contain one")
    return leaks


@then("no file contains any of them")
def no_leaks(leaks):
    assert leaks == []


@when(parsers.parse("the {own} area's account reaches for the {other} area's {store}"), target_fixture="denied")
def reach_other_area(platform, developer, own, other, store, narrate):
    other_area = areas.get(other, platform.extra.get("areas"))
    denied = isolation.denial(developer.clients, developer.area, other_area, store)
    narrate(f"{own} → {other} {store}: {denied or 'ALLOWED'}")
    return denied


@then(parsers.parse("it is denied, while its own area's {store} works"))
def is_denied(denied):
    assert denied, "the other area's data was reachable"


@when(parsers.parse("the {area_name} area's account logs in to {service} with a wrong password"),
      target_fixture="logins")
def wrong_password_login(developer, area_name, service, narrate):
    name = service.lower().removeprefix("the ")
    account = access.area_account(developer.clients, name, area_name)
    logins = {"wrong": access.refusal(developer.clients, name, access.with_wrong_password(account)),
              "right": access.refusal(developer.clients, name, account)}
    narrate(f"{service}, {account.user} with a wrong password: {logins['wrong'] or 'LET IN'}; "
            f"with the right one: {logins['right'] or 'let in'}")
    return logins


@then(parsers.parse("{service} refuses it, while the right password gets in"))
def wrong_password_refused(logins):
    assert logins["wrong"], "a wrong password was accepted"
    assert logins["right"] is None, f"the right password was refused too: {logins['right']}"
