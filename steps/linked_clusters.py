"""The linked-clusters act: `agility cluster` setup, list, attach, link, on two running clusters."""

from pytest_bdd import given, parsers, then, when

from agility.checks import dashboard_view, hosted_areas
from agility.checks import linked_clusters as check
from agility.config import profiles


@given("the shared cluster and the production cluster are up", target_fixture="cluster_profiles")
def both_clusters_up(platform, production_platform, narrate):
    narrate(f"shared: profile {platform.name}, bastion {platform.bastion.host}; "
            f"production: profile {production_platform.name}, bastion {production_platform.bastion.host}")
    return {"shared": platform, "production": production_platform}


@given(parsers.parse('the operator has set up "{first}" and "{second}" from their profiles'))
def set_up_both(cluster_commands, cluster_profiles, first, second, narrate):
    for name in (first, second):
        done = cluster_commands.run("setup", name, "--profile", profiles.reference(cluster_profiles[name]))
        narrate(f"$ {done.command}\n{done.output.strip()}")
        assert done.exit_code == 0, done.output


@given(parsers.parse('a cluster "{name}" whose bastion refuses connections'))
def unreachable_cluster(cluster_commands, platform, tmp_path, name, narrate):
    path = check.profile_with_bastion(platform.source, name, "127.0.0.1", check.refused_port(), tmp_path)
    done = cluster_commands.run("setup", name, "--profile", str(path))
    narrate(f"$ {done.command}\n{done.output.strip()}")


@given(parsers.parse('a cluster "{name}" whose profile file was removed'))
def retired_cluster(cluster_commands, platform, tmp_path, name, narrate):
    path = check.profile_with_bastion(platform.source, name, platform.bastion.host, platform.bastion.port, tmp_path)
    narrate(cluster_commands.run("setup", name, "--profile", str(path)).output.strip())
    path.unlink()


@when("the operator lists the clusters", target_fixture="listing")
def list_clusters(cluster_commands, narrate):
    narrate(f"$ agility cluster list\n{cluster_commands.run('list').output.rstrip()}")
    return cluster_commands.json("list")


@when(parsers.parse('the operator attaches "{name}"'))
def attach(cluster_commands, name, narrate):
    done = cluster_commands.run("attach", name)
    narrate(f"$ {done.command}\n{done.output.strip()}")
    assert done.exit_code == 0, done.output


@when(parsers.parse('the operator links "{source}" to "{target}"'))
def link(cluster_commands, source, target, narrate):
    done = cluster_commands.run("link", source, target)
    narrate(f"$ {done.command}\n{done.output.strip()}")
    assert done.exit_code == 0, done.output


@when(parsers.parse('the operator unlinks "{source}" from "{target}"'))
def unlink(cluster_commands, source, target, narrate):
    done = cluster_commands.run("unlink", source, target)
    narrate(f"$ {done.command}\n{done.output.strip()}")
    assert done.exit_code == 0, done.output


@then(parsers.parse('"{first}" and "{second}" are listed AVAILABLE'))
def both_available(cluster_commands, first, second):
    listing = cluster_commands.json("list")[1]
    assert not check.status_problems(listing, first, "AVAILABLE") + check.status_problems(listing, second, "AVAILABLE")


@then(parsers.parse('"{name}" is the attached cluster'))
def is_attached(cluster_commands, name):
    assert not check.attached_problems(cluster_commands.json("list")[1], name)


@then(parsers.parse("the attached cluster's nodes all answer through {cluster}'s bastion, on {same}'s range"))
def nodes_answer(cluster_commands, cluster_profiles, cluster, same, narrate):
    narrate(f"$ agility cluster nodes\n{cluster_commands.run('nodes').output.rstrip()}")
    profile = cluster_profiles[cluster]
    prefix = profile.bastion.host.rsplit(".", 1)[0] + "."
    assert not check.node_problems(cluster_commands.json("nodes")[1] or {}, profile, prefix)


@then(parsers.parse('"{source}" links to "{target}"'))
def links_to(cluster_commands, source, target):
    assert not check.link_problems(cluster_commands.json("list")[1], source, [target])


@then(parsers.parse('"{source}" links to nothing'))
def links_to_nothing(cluster_commands, source):
    assert not check.link_problems(cluster_commands.json("list")[1], source, [])


@then(parsers.parse('"{name}" is listed UNAVAILABLE with the refusal as its reason'))
def unavailable(listing, name, narrate):
    row = check.listing_row(listing[1], name) or {}
    narrate(f"{name}: {row.get('status')} ({row.get('reason')})")
    assert not check.status_problems(listing[1], name, "UNAVAILABLE") and "refused" in row["reason"].lower()


@then(parsers.parse('"{name}" is listed UNCONFIGURED'))
def unconfigured(listing, name, narrate):
    narrate(str(check.listing_row(listing[1], name)))
    assert not check.status_problems(listing[1], name, "UNCONFIGURED")


@then("the listing exited 0 without a traceback")
def listing_plain(listing):
    assert listing[0].exit_code == 0 and not check.plain_output_problems(listing[0].output), listing[0].output


@when(parsers.parse('the operator provisions everything the platform declares on "{name}"'))
def provisions_all(cluster_commands, cluster_profiles, name, narrate):
    done = cluster_commands.agility("provision", "all", "--profile", profiles.reference(cluster_profiles[name]))
    narrate(f"$ {done.command}\n{done.output.strip()}")
    assert done.exit_code == 0, done.output


@then(parsers.parse("{name}'s services hold {area}'s accounts, keyspace, database, directory and queue, "
                    "and nothing of another area"))
def holds_hosted_alone(cluster_profiles, name, area, narrate):
    profile = cluster_profiles[name]
    assert list(profile.work_areas()) == [area], f"{name} hosts {list(profile.work_areas())}"
    problems = hosted_areas.hosted_area_problems(profile, narrate)
    assert not problems, "\n".join(problems)


@when(parsers.parse('the operator provisions the {area} area on "{name}"'), target_fixture="area_refusal")
def provisions_area(cluster_commands, cluster_profiles, area, name, narrate):
    done = cluster_commands.agility("provision", "area", area, "--profile", profiles.reference(cluster_profiles[name]))
    narrate(f"$ {done.command}\n{done.output.strip()}")
    return done


@then(parsers.parse("it is refused, naming the one area {name} hosts"))
def area_refused(area_refusal, cluster_profiles, name):
    hosted = ", ".join(cluster_profiles[name].work_areas())
    assert area_refusal.exit_code != 0 and "this cluster hosts no area" in area_refusal.output, area_refusal.output
    assert area_refusal.output.strip().endswith(f"areas: {hosted}") and "Traceback" not in area_refusal.output


@given(parsers.parse("each of {name}'s work areas is provisioned by the operator"))
def areas_provisioned(cluster_profiles, name, narrate):
    for line in dashboard_view.provision_work_areas(cluster_profiles[name]):
        narrate(line)


@given(parsers.parse('"{source}" links to "{target}" and the operator\'s dashboard runs on this host\'s loopback'),
       target_fixture="dashboard_url")
def dashboard_running(cluster_commands, running_jobs, source, target, narrate):
    assert cluster_commands.run("link", source, target).exit_code == 0
    job, url = dashboard_view.start_dashboard(cluster_commands.registry, running_jobs.append)
    narrate(f"$ agility dashboard --port 0\n{job.output().strip()}")
    return url


@when("a browser opens the dashboard", target_fixture="dashboard")
def browser_opens(browser_page, dashboard_url, narrate):
    view = dashboard_view.DashboardPage(browser_page, dashboard_url)
    narrate(f"{dashboard_url} shows {view.open()}")
    return view


@then(parsers.parse('its switch control lists exactly "{first}" and "{second}", and it shows {home}\'s nodes, each healthy'))
def lists_linked(dashboard, cluster_profiles, first, second, home, narrate):
    narrate(f"switch control: {dashboard.listed()}; nodes: {dashboard.wait_for_all_healthy(set(cluster_profiles[home].nodes))}")
    assert dashboard.listed() == [first, second] and dashboard.shown() == home


@then(parsers.parse("it shows the data flowing in each of {name}'s work areas: topic offsets, files, rows and "
                    "queue usage, every source answering"))
def shows_flow(dashboard, cluster_profiles, name, narrate):
    for area, cells in sorted(dashboard.wait_for_flow(dashboard_view.work_areas(cluster_profiles[name])).items()):
        narrate(f"{area}: " + ", ".join(f"{measure} {text}" for measure, text in cells.items()))


@when(parsers.parse('the browser switches to "{name}"'))
def switch(dashboard, name, narrate):
    dashboard.photograph(f"dashboard: {dashboard.shown()}")
    narrate(f"now showing {dashboard.switch_to(name)}")


@then(parsers.parse("it shows {name}'s nodes, each healthy"))
def shows_nodes(dashboard, cluster_profiles, name, narrate):
    narrate(str(dashboard.wait_for_all_healthy(set(cluster_profiles[name].nodes))))
    dashboard.photograph(f"dashboard: {name}")


@when(parsers.parse("production's {node} is lost, every process on it killed with SIGKILL"), target_fixture="fault")
def node_lost(sandbox_faults, node, narrate):
    fault = sandbox_faults.kill_node(node)
    narrate(f"SIGKILL every process of {node} (pids {fault.pids})")
    return fault


@then(parsers.parse("the dashboard marks {node} unhealthy within {seconds:d} s"))
def marked_unhealthy(dashboard, fault, node, seconds, narrate):
    narrate(f"{node} shown unhealthy {dashboard.seconds_until(node, 'unhealthy', fault.at, seconds):.1f} s after the kill")


@then(parsers.parse("the dashboard marks {node} healthy again"))
def marked_healthy(dashboard, fault, node, narrate):
    narrate(f"{node} shown healthy {dashboard.seconds_until(node, 'healthy', fault.restarted_at, 30):.1f} s after its restart")


@then("a screenshot of each cluster is attached to the report")
def screenshots(dashboard, attach_png):
    attach_png(dashboard.shots)
    assert [name for name, _ in dashboard.shots] == ["dashboard: shared", "dashboard: production"]
