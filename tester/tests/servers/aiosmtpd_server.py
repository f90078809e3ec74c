"""aiosmtpd_server.py HOST PORT: an aiosmtpd SMTP server that accepts every
recipient and discards the mail (logging one line per message).

Run with /usr/bin/python3 (Debian's python3-aiosmtpd).  SIGTERM/SIGINT stop
it cleanly.  Hostname "aiosmtpd.example.test" appears in the greeting."""
import asyncio
import signal
import sys

from aiosmtpd.smtp import SMTP


class Discard:
    """Accept everything; log the envelope, keep nothing."""

    async def handle_DATA(self, server, session, envelope):
        print("message from %s to %s, %d octets"
              % (envelope.mail_from, ",".join(envelope.rcpt_tos),
                 len(envelope.original_content or b"")), flush=True)
        return "250 OK"


async def main(host, port):
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set_result, None)
    server = await loop.create_server(
        # SIZE 1048576, not aiosmtpd's 32 MiB: the esmtp suite sends a
        # message of the advertised size and one octet more, which 32 MiB
        # of Python line reading takes too long for on a loaded machine.
        lambda: SMTP(Discard(), hostname="aiosmtpd.example.test",
                     data_size_limit=1048576),
        host=host, port=port, reuse_address=True)
    print("aiosmtpd listening on %s:%d" % (host, port), flush=True)
    await stop
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: aiosmtpd_server.py HOST PORT")
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
