"""What a provisioning run works on: the profile's cluster as its operator reaches it (clients
through the operator's tunnels, a shell on every node), and the declaration to apply."""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from agility.clients.services import Clients, operator_clients
from agility.config import declaration
from agility.config.areas import Area
from agility.config.declaration import Declaration
from agility.config.profiles import Profile
from agility.reach.ssh import ClusterShell


@dataclass
class Target:
    profile: Profile
    declaration: Declaration
    clients: Clients  # as the services' admins
    shell: ClusterShell  # as the operator, with password-less sudo on every node

    def area(self, name: str) -> Area:
        return self.profile.area(name)

    def areas_with(self, service: str) -> list[Area]:
        return [self.area(name) for name in self.declaration.service_accounts.get(service, ())]


@contextmanager
def connect(profile: Profile, declaration_file: str | None = None):
    with ExitStack() as stack:
        spec = declaration.load(profile, declaration_file)
        clients = stack.enter_context(operator_clients(profile))
        shell = stack.enter_context(ClusterShell(profile))
        yield Target(profile, spec, clients, shell)
