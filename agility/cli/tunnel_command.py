"""`agility tunnel`: keep an SSH tunnel to a cluster open (also what the suite starts in the background)."""

from __future__ import annotations

from agility.config import profiles
from agility.reach import tunnel


def cmd_tunnel(args) -> int:
    profile = profiles.load(args.profile)
    services = tuple(args.services.split(",")) if args.services else None
    tunnel.serve(profile, args.user, services)
    return 0
