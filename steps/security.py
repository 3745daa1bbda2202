"""The security act: each protection of the bastion tried for real and seen to hold."""

from pytest_bdd import given, parsers, then, when

from agility.checks import access, isolation, security
from agility.config.profiles import Account
from agility.core.errors import AgilityError


@when("someone tries to log in to the bastion as the operator with a password", target_fixture="refusal")
def password_login(platform, narrate):
    refusal = security.password_login_refusal(platform, platform.bastion.user)
    narrate(f"ssh {platform.bastion.user}@{platform.bastion.host} with a password: {refusal or 'ACCEPTED'}")
    return refusal


@then("the bastion refuses, allowing public keys only")
def keys_only(refusal):
    assert refusal == "only publickey authentication is allowed"


@given("root has an authorized key of its own on the bastion", target_fixture="root_key")
def root_key(platform, narrate):
    key, changes = security.root_key_on_bastion(platform)
    narrate(f"root's key {key} on the bastion: " + ("; ".join(changes) or "already authorized, root in AllowGroups"))
    return key


@when("someone tries to log in to the bastion as root with that key", target_fixture="root_login")
def root_login(platform, root_key, narrate):
    login = security.root_login(platform, root_key)
    narrate(f"ssh root@{platform.bastion.host} with root's own key (the operator got in just before): "
            f"{login.refusal or 'ACCEPTED'}")
    narrate("sshd on the bastion:\n" + "\n".join(login.sshd_says))
    return login


@then("the bastion refuses, and its sshd logs that root logins are refused")
def root_refused(root_login):
    assert root_login.refusal is not None, "root was let in"
    # sshd's own words for PermitRootLogin no; not AllowGroups, not a bad key
    assert any(line.startswith("ROOT LOGIN REFUSED FROM ") for line in root_login.sshd_says), root_login.sshd_says


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


@when("the producer, the Cassandra sink and the Spark Cassandra job run while every process's command line and "
      "environment is read", target_fixture="process_scan")
def jobs_while_reading_processes(platform, developer, cluster_shell, fresh_dataset, narrate):
    summary, scan = security.jobs_watched(platform, cluster_shell, developer.area, fresh_dataset(),
                                          security.cluster_passwords(platform))
    narrate(f"Spark {summary['application_id']}: {summary['rows']} rows; /proc read {scan.rounds} times, "
            "processes seen: " + ", ".join(f"{name} ×{count}" for name, count in scan.seen.items()))
    narrate(f"{len(scan.leaks)} process(es) show a password: " + "; ".join(sorted(scan.leaks)))
    return scan


@when("I scan the service logs, Spark's work folders, tunnel logs and test reports for the cluster's passwords",
      target_fixture="leaks")
def scan_for_secrets(platform, narrate):
    passwords = security.cluster_passwords(platform)
    roots = security.secret_folders()
    leaks = security.files_containing(passwords, roots)
    narrate(f"{len(passwords)} passwords searched in {len(roots)} folders: {len(leaks)} file(s) contain one")
    return leaks


@then("no process and no file shows any of them")
def no_leaks(process_scan, leaks):
    assert process_scan.missed() == [], f"the scan never saw these jobs run: {process_scan.missed()}"
    assert sorted(process_scan.leaks) == []
    assert leaks == []


@when(parsers.parse("the {own} area's account reaches for the {other} area's {store}"), target_fixture="denied")
def reach_other_area(platform, developer, own, other, store, narrate):
    other_area = platform.area(other)
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


@when(parsers.parse("the {area_name} area's account logs in to {service} through a forward that leads nowhere"),
      target_fixture="no_answer")
def login_through_nowhere(platform, developer, area_name, service, narrate):
    name = service.lower().removeprefix("the ")
    if name == "ssh":
        account = Account(developer.area.kafka_account, None)  # the developer's Linux user, by key
    else:
        account = access.area_account(developer.clients, name, area_name)
    try:
        answer = access.login(access.through_nowhere(developer.clients), name, account,
                              platform.ssh_user(developer.area.kafka_account).key)
    except AgilityError as error:
        answer = error
    narrate(f"{service}, {account.user} through nowhere: {answer}")
    return answer


@then(parsers.parse("the check fails, saying that {service} did not answer"))
def said_no_answer(no_answer):
    assert isinstance(no_answer, AgilityError), f"taken for a refusal or a login: {no_answer!r}"
    assert "no answer" in str(no_answer), no_answer
