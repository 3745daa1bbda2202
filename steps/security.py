"""The security act: each protection of the bastion tried for real and seen to hold."""

from pytest_bdd import given, parsers, then, when

from agility.checks import access, isolation, security


@when("someone tries to log in to the bastion as the operator with a password", target_fixture="refusal")
def password_login(platform, narrate):
    return security.try_password_login(platform, narrate)


@then("the bastion refuses, allowing public keys only")
def keys_only(refusal):
    assert not security.keys_only_problems(refusal)


@given("root has an authorized key of its own on the bastion", target_fixture="root_key")
def root_key(platform, narrate):
    return security.authorize_root_key(platform, narrate)


@when("someone tries to log in to the bastion as root with that key", target_fixture="root_login")
def root_login(platform, root_key, narrate):
    return security.try_root_login(platform, root_key, narrate)


@then("the bastion refuses, and its sshd logs that root logins are refused")
def root_refused(root_login):
    assert not security.root_refused_problems(root_login)


@when("the host connects straight to the MySQL server's address inside the cluster", target_fixture="refusal")
def direct_connection(platform, narrate):
    return security.try_direct_connection(platform.mysql["address"], narrate)


@then("the connection fails without leaving this host")
def connection_failed(refusal):
    assert not security.no_route_problems(refusal)


@when("the dev developer asks the bastion to forward to the Cassandra nodes", target_fixture="refusals")
def forbidden_forwards(platform, developer, narrate):
    return security.ask_forwards(developer.shell, developer.area.kafka_account, platform.cassandra["contact_points"],
                                 narrate)


@then("the bastion refuses every forward, naming it")
def every_forward_refused(refusals):
    assert not security.forwards_refused_problems(refusals)


@when("the producer, the Cassandra sink and the Spark Cassandra job run while every process's command line and "
      "environment is read", target_fixture="process_scan")
def jobs_while_reading_processes(platform, developer, fresh_dataset, narrate):
    return security.run_jobs_scanned(platform, developer.shell, developer.area, fresh_dataset(), narrate)


@when("I scan the service logs, Spark's work folders, tunnel logs and test reports for the cluster's passwords",
      target_fixture="leaks")
def scan_for_secrets(platform, narrate):
    return security.scan_files(platform, narrate)


@then("no process and no file shows any of them")
def no_leaks(process_scan, leaks):
    assert not security.leak_problems(process_scan, leaks)


@when(parsers.parse("the {own} area's account reaches for the {other} area's {store}"), target_fixture="denied")
def reach_other_area(platform, developer, other, store, narrate):
    return isolation.reach_other_area(developer.clients, developer.area, platform.area(other), store, narrate)


@then(parsers.parse("it is denied, while its own area's {store} works"))
def is_denied(denied):
    assert not isolation.denied_problems(denied)


@when(parsers.parse("the {area_name} area's account logs in to {service} with a wrong password"),
      target_fixture="logins")
def wrong_password_login(developer, area_name, service, narrate):
    return access.try_wrong_password(developer.clients, service, area_name, narrate)


@then(parsers.parse("{service} refuses it, while the right password gets in"))
def wrong_password_refused(logins):
    assert not access.wrong_password_problems(logins)


@when(parsers.parse("the {area_name} area's account logs in to {service} through a forward that leads nowhere"),
      target_fixture="no_answer")
def login_through_nowhere(developer, service, narrate):
    return access.try_through_nowhere(developer.clients, developer.area, service, narrate)


@then(parsers.parse("the check fails, saying that {service} did not answer"))
def said_no_answer(no_answer):
    assert not access.no_answer_problems(no_answer)
