"""Each area's Spark cap (the provisioning declaration's `quotas.<area>.spark`: cores for the whole
job, memory per executor), applied where a job submits itself: the job's request is checked
before a SparkSession exists, and the session asks for no more than it was allowed.

Every Spark job of the package builds its session with `session_settings`: a request above the cap
is refused with one line that says what the area may use and what was asked for; a job that does
not ask gets its usual resources, cut down to the cap. On YARN the session also names the area's
queue, so the ResourceManager holds the area to its share and its submit ACL whoever submits (a
standalone master has no per-area limits: there the cap is the jobs' promise alone)."""

from __future__ import annotations

from dataclasses import dataclass

from agility.config import areas, declaration, profiles
from agility.config.declaration import DEFAULT_FILE, size_in_bytes
from agility.core.errors import AgilityError

MiB = 1 << 20
DEFAULT_CORES = 2  # cores a job takes when it does not ask (a sandbox NodeManager offers 2)
DEFAULT_MEMORY = 512 * MiB  # spark.executor.memory a job takes when it does not ask
EXECUTOR_CORES = 1


@dataclass(frozen=True)
class SparkLimits:
    area: str
    cores: int | None  # for the whole application (spark.cores.max); None: no cap
    memory: int | None  # bytes per executor (spark.executor.memory); None: no cap

    def describe(self) -> str:
        if self.cores is None and self.memory is None:
            return f"area {self.area} has no Spark cap"
        parts = [f"{self.cores} core(s)" if self.cores is not None else "any number of cores",
                 f"{mib(self.memory)} MiB per executor" if self.memory is not None else "any executor memory"]
        return f"area {self.area} may use at most {' and '.join(parts)}"


@dataclass(frozen=True)
class Resources:
    """What a job's session asks the master for, within its area's cap."""

    cores: int
    memory: int  # bytes per executor

    def spark_conf(self) -> dict[str, str]:
        """The same request in Spark's settings: cores.max for a standalone master, as many
        one-core executors for YARN (which ignores cores.max)."""
        executor_cores = min(EXECUTOR_CORES, self.cores)
        return {"spark.cores.max": str(self.cores), "spark.executor.cores": str(executor_cores),
                "spark.executor.instances": str(self.cores // executor_cores),
                "spark.executor.memory": f"{mib(self.memory)}m"}

    def args(self) -> list[str]:
        """The same request as a job's command-line options."""
        return ["--cores", str(self.cores), "--memory", f"{mib(self.memory)}m"]


def mib(size: int) -> int:
    return size // MiB


def limits_for(profile, area: str, declaration_file: str | None = None) -> SparkLimits:
    """The area's cap from the profile's provisioning declaration (the package's own when
    `profile` is None: a job on a node where the profile cannot be read)."""

    if profile is None:
        spec = declaration.parse(_default_data(), _area_names(), str(declaration.DEFAULT_FILE))
    else:
        spec = declaration.load(profile, declaration_file)
    quota = spec.quota(area, "spark")
    return SparkLimits(area, quota.get("cores"), quota.get("memory"))


def limits_here(area: str, profile_name: str | None = None) -> SparkLimits:
    """For a job on a cluster node: the cap from the profile if it can be read there, else the
    package's declaration (a job never runs uncapped because a file was missing)."""

    try:
        profile = profiles.load(profile_name)
    except (AgilityError, OSError):
        profile = None
    return limits_for(profile, area)


def resources(limits: SparkLimits, cores: int | None = None, memory: int | str | None = None) -> Resources:
    """The job's request checked against its area's cap: what it asked for (or the usual, cut to
    the cap), or an AgilityError that says the cap and the request in one line."""
    asked_memory = parse_size(memory) if memory is not None else None
    if cores is not None and cores < 1:
        raise AgilityError(f"a Spark job needs at least 1 core; asked for {cores}")
    too_many = cores is not None and limits.cores is not None and cores > limits.cores
    too_big = asked_memory is not None and limits.memory is not None and asked_memory > limits.memory
    if too_many or too_big:
        asked = [f"{cores} cores" if too_many else "", f"{mib(asked_memory)} MiB per executor" if too_big else ""]
        raise AgilityError(f"{limits.describe()}; asked for {' and '.join(part for part in asked if part)}")
    chosen_cores = cores if cores is not None else min(DEFAULT_CORES, limits.cores or DEFAULT_CORES)
    chosen_memory = asked_memory if asked_memory is not None else min(DEFAULT_MEMORY, limits.memory or DEFAULT_MEMORY)
    return Resources(chosen_cores, chosen_memory)


def session_settings(area: str | None, cores: int | None, memory: int | str | None,
                     profile_name: str | None = None) -> dict[str, str]:
    """For a job about to build its SparkSession: the Spark settings of its request, checked
    against its area's cap (a job of no area, such as the sandbox's round trip, has none)."""
    limits = limits_here(area, profile_name) if area else SparkLimits("-", None, None)
    settings = resources(limits, cores, memory).spark_conf()
    if area:  # on YARN, the area's own queue: the ResourceManager holds it to the area's share (others ignore it)
        settings["spark.yarn.queue"] = areas.get(area).queue
    return settings


def parse_size(text: int | str) -> int:
    """Bytes from 768m / 1g / 536870912 (Spark's units: k, m, g, t; a plain number is bytes)."""

    try:
        return size_in_bytes(str(text).lower().removesuffix("b"))
    except ValueError:
        raise AgilityError(f"{text!r} is not a memory size (e.g. 512m, 1g)") from None


def _default_data() -> dict:
    import yaml


    return yaml.safe_load(DEFAULT_FILE.read_text()) or {}


def _area_names() -> set[str]:

    return set(areas.load_all())
