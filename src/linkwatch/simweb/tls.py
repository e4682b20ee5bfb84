"""Certificates for the simulated web: a trusted CA, SNI-issued certs, broken variants.

Each HTTPS listener presents, for whatever name the client asks for (SNI), a
certificate issued on first use and cached. Broken listeners differ only in how
they issue: from an untrusted CA, already expired, or for the wrong hostname.
"""

from __future__ import annotations

import datetime as dt
import functools
import ssl
from dataclasses import dataclass, field

import trustme

# served when the client sends no SNI (IP-literal URLs, direct bases)
DEFAULT_IDENTITIES = ("localhost", "127.0.0.1")
WRONG_HOST = "wrong-host.invalid"


@dataclass
class CertIssuer:
    """Issues (and caches) one server SSLContext per requested hostname."""

    ca: trustme.CA
    expired: bool = False
    fixed_name: str | None = None  # issue for this name whatever was asked
    _contexts: dict[str, ssl.SSLContext] = field(default_factory=dict)

    def context_for(self, name: str) -> ssl.SSLContext:
        cached = self._contexts.get(name)
        if cached is not None:
            return cached
        identities = (self.fixed_name,) if self.fixed_name else (name,)
        if name == DEFAULT_IDENTITIES[0] and not self.fixed_name:
            identities = DEFAULT_IDENTITIES
        if self.expired:
            now = dt.datetime.now(dt.UTC)
            cert = self.ca.issue_cert(
                *identities,
                not_before=now - dt.timedelta(days=60),
                not_after=now - dt.timedelta(days=1),
            )
        else:
            cert = self.ca.issue_cert(*identities)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(context)
        self._contexts[name] = context
        return context

    def server_context(self) -> ssl.SSLContext:
        """The listener's context: a default cert, swapped per SNI name in the callback."""
        base = self.context_for(DEFAULT_IDENTITIES[0])

        def pick(sslobj: ssl.SSLObject, server_name: str | None, _: ssl.SSLContext) -> None:
            if server_name:
                sslobj.context = self.context_for(server_name.lower())

        base.sni_callback = pick
        return base


class SimTLS:
    """The sim's CA (trusted by ``Network.ssl_context``) and the listeners' issuers."""

    def __init__(self) -> None:
        self.ca = trustme.CA(organization_name="linkwatch simweb CA")
        self.rogue_ca = trustme.CA(organization_name="linkwatch simweb untrusted CA")
        self.issuers = {
            "ok": CertIssuer(self.ca),
            "untrusted": CertIssuer(self.rogue_ca),
            "expired": CertIssuer(self.ca, expired=True),
            "wrong_host": CertIssuer(self.ca, fixed_name=WRONG_HOST),
        }

    @classmethod
    @functools.cache
    def shared(cls) -> SimTLS:
        """One CA per process: key generation is most of a SimWeb's start-up time."""
        return cls()

    def client_context(self) -> ssl.SSLContext:
        """Verifying client context that trusts only the sim CA (no SSL_CERT_FILE needed)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.ca.configure_trust(context)
        return context
