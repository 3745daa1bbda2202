"""Kerberos tickets for this process's HDFS clients on a cluster that uses Kerberos.

A profile's `hdfs.kerberos` names the realm, its KDC (a cluster endpoint, reached through the
tunnel like any other), the host name of the HTTP service (SPNEGO asks for `HTTP/<host>` whatever
address the tunnel gives) and each account's keytab. A ticket is got from the account's keytab into
a cache in this process's memory, per account: nothing is written, no password exists, and two
accounts in one process never share a ticket.

MIT Kerberos reads its settings from the file $KRB5_CONFIG names: this process writes one with
each realm it uses and its KDC's local endpoint (the tunnel's), in a folder of its own.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agility.core.errors import AgilityError
from agility.core.retry import StoreUnavailable, retrying

KRB5_KDC_UNREACH = 2529639068  # MIT's "Cannot contact any KDC for realm", as GSS-API's minor status
KDC_RETRY_S = 20  # how long a KDC that cannot be contacted is tried again
_realms: dict[str, str] = {}  # realm → its KDC's endpoint, as this process reaches it
_folder: list[Path] = []


@dataclass(frozen=True)
class KerberosSettings:
    realm: str
    kdc: str  # the KDC's cluster endpoint
    http_host: str  # the host part of the web services' principal, HTTP/<http_host>
    keytabs: dict[str, str]  # account → keytab file
    admin: dict  # where and as whom `kadmin.local` runs: {node, user}
    clockskew: int = 300  # seconds a ticket's times may be off (the realm's krb5.conf; MIT's default)

    @classmethod
    def of(cls, hdfs: dict) -> KerberosSettings | None:
        found = hdfs.get("kerberos")
        if not found:
            return None
        return cls(found["realm"], found["kdc"], found["http_host"], dict(found.get("keytabs") or {}),
                   dict(found.get("admin") or {}), int(found.get("clockskew", 300)))

    def principal(self, account: str) -> str:
        return f"{account}@{self.realm}"

    def keytab(self, account: str) -> str:
        if account not in self.keytabs:
            raise AgilityError(f"hdfs: the profile has no keytab for {self.principal(account)} "
                               f"(hdfs.kerberos.keytabs has: {', '.join(sorted(self.keytabs)) or 'none'})")
        return self.keytabs[account]


def config_file() -> Path:
    if not _folder:
        _folder.append(Path(tempfile.mkdtemp(prefix="agility-krb5-")))
        atexit.register(shutil.rmtree, _folder[0], True)
    return _folder[0] / "krb5.conf"


def use_realm(settings: KerberosSettings, kdc_here: str) -> str:
    """Make `settings.realm`'s KDC at `kdc_here` known to this process's Kerberos library; the
    path of the settings file (the value of $KRB5_CONFIG)."""
    if _realms.get(settings.realm) != kdc_here:
        _realms[settings.realm] = kdc_here
        realms = "".join(f"    {realm} = {{\n        kdc = {kdc}\n    }}\n" for realm, kdc in _realms.items())
        path = config_file()
        path.write_text(
            "[libdefaults]\n"
            f"    default_realm = {settings.realm}\n"
            "    dns_lookup_realm = false\n    dns_lookup_kdc = false\n"
            "    dns_canonicalize_hostname = false\n    rdns = false\n"
            "    udp_preference_limit = 1\n"  # a tunnel carries TCP only
            f"    clockskew = {settings.clockskew}\n"
            f"[realms]\n{realms}"
            f"[domain_realm]\n    {settings.http_host} = {settings.realm}\n")
        os.environ["KRB5_CONFIG"] = str(path)
    return str(config_file())


def credentials(settings: KerberosSettings, account: str, lifetime: int | None = None,
                patience: float = KDC_RETRY_S):
    """`account`'s ticket, got from its keytab into a memory cache of its own (once per process).
    A KDC that cannot be contacted (the tunnel's SSH session lost and being reconnected) is tried
    again for `patience` seconds; any other refusal (a wrong key, an unknown principal) is not."""
    import gssapi

    name = gssapi.Name(settings.principal(account), gssapi.NameType.kerberos_principal)
    store = {"client_keytab": settings.keytab(account), "ccache": f"MEMORY:agility-{account}-{settings.realm}"}
    try:
        return retrying(lambda: gssapi.Credentials(name=name, usage="initiate", store=store, lifetime=lifetime),
                        store=f"the KDC of {settings.realm} at {settings.kdc}", transient=kdc_unreachable,
                        seconds=patience)
    except (gssapi.exceptions.GSSError, StoreUnavailable) as error:
        raise AgilityError(f"Kerberos: no ticket for {settings.principal(account)} from its keytab: "
                           f"{' '.join(str(error).split())}") from None


def kdc_unreachable(error: BaseException) -> bool:
    """Kerberos could reach no KDC of the realm (KRB5_KDC_UNREACH), as opposed to a KDC's answer."""
    return getattr(error, "min_code", None) == KRB5_KDC_UNREACH


def http_service(settings: KerberosSettings):
    import gssapi

    return gssapi.Name(f"HTTP@{settings.http_host}", gssapi.NameType.hostbased_service)


def token_refusal(settings: KerberosSettings, creds) -> str:
    """Why Kerberos makes no token for the web service from `creds` (e.g. the ticket expired),
    in its own words; "" when it makes one."""
    import gssapi

    try:
        gssapi.SecurityContext(name=http_service(settings), creds=creds, usage="initiate").step()
    except gssapi.exceptions.GSSError as error:
        return " ".join(str(error).split())
    return ""


def spnego(settings: KerberosSettings, creds=None):
    """A requests auth that answers the web service's Negotiate challenge with `creds`' ticket
    for HTTP/<http_host> (None: whatever ticket the default cache holds)."""
    from requests_gssapi import DISABLED, HTTPSPNEGOAuth

    # No mutual authentication: the auth keeps one context per host, which a session's parallel
    # requests (the reconciliation reads 8 files at a time) would overwrite, failing the check of
    # the server's answer ("Unable to authenticate"). The tunnel already proved the server: SSH
    # checks the bastion's host key, and the forward leads to the cluster's own address.
    # Opportunistic: the ticket goes with the first request. Sent without, a large body (a batch
    # file) is cut off by the service's early 401 (seen: "Connection reset by peer").
    return HTTPSPNEGOAuth(creds=creds, target_name=http_service(settings), mutual_authentication=DISABLED,
                          opportunistic_auth=True)
