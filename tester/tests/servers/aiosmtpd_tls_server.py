"""aiosmtpd_tls_server.py HOST PORT CERT KEY [implicit] [optional]
[auth-required]:
aiosmtpd with TLS and SMTP AUTH, accepting every recipient and discarding
the mail (one log line per message).

  - STARTTLS (RFC 3207) with require_starttls: every command but EHLO,
    HELO, NOOP, QUIT and STARTTLS gets "530 Must issue a STARTTLS command
    first" before TLS ("optional": STARTTLS offered, not required); or,
    with "implicit", TLS from the first octet (465 style) and no STARTTLS;
  - AUTH PLAIN and LOGIN (RFC 4954), only under TLS (auth_require_tls);
    user testuser, password testpass; "auth-required" adds aiosmtpd's
    auth_required (530 before AUTH).

Run with /usr/bin/python3 (Debian's python3-aiosmtpd).  SIGTERM/SIGINT
stop it cleanly.  Hostname "aiosmtpd.example.test" is in the greeting."""
import asyncio
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

USERS = {b"testuser": b"testpass"}


class Discard:
    """Accept everything; log the envelope, keep nothing."""

    async def handle_DATA(self, server, session, envelope):
        print("message from %s to %s, %d octets, user %s"
              % (envelope.mail_from, ",".join(envelope.rcpt_tos),
                 len(envelope.original_content or b""),
                 session.login_data and session.login_data.login),
              flush=True)
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    """AUTH PLAIN and LOGIN both hand over a LoginPassword."""
    ok = (isinstance(auth_data, LoginPassword)
          and USERS.get(auth_data.login) == auth_data.password)
    return AuthResult(success=ok, handled=False)


async def main(host, port, cert, key, implicit, optional, auth_required):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set_result, None)

    def factory():
        return SMTP(Discard(), hostname="aiosmtpd.example.test",
                    tls_context=None if implicit else ctx,
                    require_starttls=not implicit and not optional,
                    authenticator=authenticator,
                    auth_require_tls=True,
                    auth_required=auth_required)

    server = await loop.create_server(factory, host=host, port=port,
                                      reuse_address=True,
                                      ssl=ctx if implicit else None)
    print("aiosmtpd (TLS%s) listening on %s:%d"
          % (", implicit" if implicit else "", host, port), flush=True)
    await stop
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.exit("usage: aiosmtpd_tls_server.py HOST PORT CERT KEY "
                 "[implicit] [optional] [auth-required]")
    flags = set(sys.argv[5:])
    unknown = flags - {"implicit", "optional", "auth-required"}
    if unknown:
        sys.exit("unknown option(s): %s" % " ".join(sorted(unknown)))
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4],
                     "implicit" in flags, "optional" in flags,
                     "auth-required" in flags))
