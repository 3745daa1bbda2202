"""`agility provision ...` and `agility deprovision developer`: areas, users, accounts and quotas."""

from __future__ import annotations

from agility.cli.output import say
from agility.clients.services import operator_clients
from agility.config import declaration, profiles
from agility.config.developers import check_developer, registry
from agility.core.errors import AgilityError
from agility.provisioning import apply as run
from agility.provisioning import target
from agility.provisioning.area_accounts import provision_area


def cmd_provision_area(args) -> int:
    profile = profiles.load(args.profile)
    area = profile.area(args.area)
    with operator_clients(profile) as clients:
        changes = provision_area(profile, clients, area)
    for change in changes:
        say(f"  + {change}")
    say(f"area {area.name}: {len(changes)} change(s)" if changes else f"area {area.name}: no changes")
    return 0


def _plan_and_apply(found, dry_run: bool, what: str) -> None:
    if not found:
        say(f"{what}: no changes")
        return
    say(f"{what}: {len(found.actions)} change(s) planned")
    for line in found.lines():
        say(f"  ~ {line}")
    if dry_run:
        say("dry run: nothing was changed")
        return
    say("applying")
    found.apply(say)
    say(f"{what}: {len(found.actions)} change(s) applied")


def cmd_provision(args) -> int:
    profile = profiles.load(args.profile)
    parts = list(run.PARTS) if args.what == "all" else [args.what]
    total = 0
    with target.connect(profile, args.file) as cluster:
        say(f"provisioning {', '.join(parts)} of profile {profile.name} as {cluster.declaration.source} declares")
        for part in parts:  # in order, each planned once the one before is applied
            found = run.plan(cluster, [part])
            total += len(found.actions)
            _plan_and_apply(found, args.dry_run, f"{part} on {profile.name}")
    done = "planned (dry run: nothing was changed)" if args.dry_run else "applied"
    say(f"{args.what} on {profile.name}: " + (f"{total} change(s) {done}" if total else "no changes"))
    return 0


def cmd_provision_developer(args) -> int:
    check_developer(args.name)  # before anything is read or written under it
    profile = profiles.load(args.profile)
    groups = tuple(args.groups.split(",")) if args.groups else tuple(declaration.DEVELOPER_GROUPS)
    unknown = sorted(set(groups) - set(declaration.DEVELOPER_GROUPS))
    if unknown:
        raise AgilityError(f"unknown groups {unknown}; groups: {', '.join(declaration.DEVELOPER_GROUPS)}")
    public_key = open(args.public_key).read().strip() if args.public_key else None
    with target.connect(profile, args.file) as cluster:
        cluster.area(args.area)  # a wrong area name fails here, before anything is written
        known = registry(profile)
        taken = {user.uid for user in cluster.declaration.linux_users}
        if args.dry_run and args.name not in known.all():
            say(f"dry run: developer {args.name} would be registered in the {args.area} area and created on "
                   f"{len(profile.nodes)} node(s), with a Kafka, Cassandra and MariaDB account")
            return 0
        developer = known.add(args.name, args.area, groups, public_key, taken)
        _plan_and_apply(run.plan_developer(cluster, developer), args.dry_run, f"developer {developer.name}")
    if not args.dry_run:
        _print_how_to_connect(profile, developer)
    return 0


def _print_how_to_connect(profile, developer) -> None:

    identity = profile.ssh_user(developer.name)
    known = registry(profile)
    say(f"\ndeveloper {developer.name}: area {developer.area}, uid {developer.uid}, groups {', '.join(developer.groups)}")
    say(f"  SSH key:     {identity.key}" if known.ssh_user(developer.name) else "  SSH key:     the public key given")
    say(f"  password:    Kafka (SCRAM-SHA-512), Cassandra and MariaDB user '{developer.name}'; "
           f"in {known.secrets_file} under '{developer.name}'")
    say(f"  tunnel:      agility tunnel --profile {profile.name} --user {developer.name} "
           f"--services {','.join(identity.services)}")
    say(f"  shell:       ssh -i {identity.key} -J {developer.name}@{profile.bastion.host}:{profile.bastion.port} "
           f"{developer.name}@{profile.node_address(profile.edge)}")


def cmd_deprovision_developer(args) -> int:
    profile = profiles.load(args.profile)
    known = registry(profile)
    known.get(args.name)  # says which developers exist when the name is wrong
    with target.connect(profile) as cluster:
        _plan_and_apply(run.plan_deprovision(cluster, args.name), args.dry_run, f"deprovision {args.name}")
    if not args.dry_run:
        known.remove(args.name)
        say(f"developer {args.name} removed from the registry of {profile.name}")
    return 0
