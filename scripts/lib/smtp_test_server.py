#!/usr/bin/env python3
"""The test SMTP server: aiosmtpd on 127.0.0.1, saving every message it accepts to a folder.

Started and stopped by scripts/smtp-server. One process serves:

- a standing listener (plain SMTP, STARTTLS and AUTH offered but not required), for trying dirsync by hand;
- a control port on which a test asks for a listener of its own, with the behaviour it needs, and gets back
  the port and the folder its messages land in. One JSON object per line, for example
      {"starttls": "require", "auth": "require", "open_after": 1.5, "data_delay": 0.02}
  starttls: none | offer | require; implicit_tls: true for smtps; auth: none | offer | require;
  open_after: seconds during which the port refuses connections (bound, not listening), then it listens;
  data_delay: seconds the server waits before accepting each message's data;
  close_connections: numbers of connections (1, 2, …) closed at once, before the greeting, as a server going down
  does: an outage counted in connection attempts, not in seconds, so a test does not depend on machine speed;
  smtputf8: true to offer SMTPUTF8 (RFC 6531); without it aiosmtpd refuses non-ASCII addresses.

Every listener rejects recipients whose local part starts with "reject" (550 5.1.1) and, with a 4xx, those
starting with "busy" (450 4.2.1). Each accepted message is saved as NNNNNN.eml, with NNNNNN.json beside it
holding the envelope: mail_from, rcpt_tos, connection (a number per TCP connection of that listener),
tls (true when the session was encrypted) and auth_user.
"""
import argparse
import asyncio
import itertools
import json
import os
import socket
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

REJECT_REPLY = "550 5.1.1 <{address}>: Recipient address rejected: User unknown in local recipient table"
BUSY_REPLY = "450 4.2.1 <{address}>: Mailbox busy, try again later"


class Handler:
    """Accepts messages into `folder`, rejecting the recipients tests name."""

    def __init__(self, folder, data_delay, implicit_tls):
        self.folder = folder
        self.data_delay = data_delay
        self.implicit_tls = implicit_tls
        self.sequence = itertools.count(1)
        os.makedirs(folder, exist_ok=True)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("reject"):
            return REJECT_REPLY.format(address=address)
        if local.startswith("busy"):
            return BUSY_REPLY.format(address=address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        number = next(self.sequence)
        base = os.path.join(self.folder, f"{number:06d}")
        content = envelope.original_content or b""
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "connection": getattr(session, "connection_number", 0),
            "tls": self.implicit_tls or session.ssl is not None,
            "auth_user": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
        }
        # Write beside, then rename: a test never reads half a message.
        for suffix, data in ((".eml", content), (".json", json.dumps(record).encode())):
            with open(base + suffix + ".partial", "wb") as handle:
                handle.write(data)
            os.rename(base + suffix + ".partial", base + suffix)
        return "250 2.0.0 OK: queued as %06d" % number


class CountingSMTP(SMTP):
    """aiosmtpd's SMTP, numbering its connections so tests can see connection reuse."""

    def __init__(self, *args, counter, close_connections=(), **kwargs):
        super().__init__(*args, **kwargs)
        # One instance per TCP connection; a STARTTLS handshake makes a new session on the same one.
        self._connection_number = next(counter)
        self._closes_at_once = self._connection_number in close_connections

    def connection_made(self, transport):
        if self._closes_at_once:
            transport.abort()
            return
        super().connection_made(transport)

    def _create_session(self):
        session = super()._create_session()
        session.connection_number = self._connection_number
        return session


class Server:
    def __init__(self, state_dir, user, password):
        self.state_dir = state_dir
        self.user = user.encode()
        self.password = password.encode()
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(os.path.join(state_dir, "cert.pem"), os.path.join(state_dir, "key.pem"))
        self.servers = []

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == self.user and auth_data.password == self.password
        # handled=False: aiosmtpd then answers a failure with its 535 reply.
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    async def listener(self, options):
        """Opens a listener as `options` describe; returns its port and message folder."""
        starttls = options.get("starttls", "none")
        implicit_tls = bool(options.get("implicit_tls", False))
        auth = options.get("auth", "none")
        open_after = float(options.get("open_after", 0))
        data_delay = float(options.get("data_delay", 0))
        close_connections = set(int(number) for number in options.get("close_connections", []))
        smtputf8 = bool(options.get("smtputf8", False))
        if starttls not in ("none", "offer", "require") or auth not in ("none", "offer", "require"):
            raise ValueError("starttls and auth take none, offer or require")
        # IPPROTO_TCP named explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and without it
        # each line of a multi-line reply waits for the client's delayed ACK (40 ms per connection).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", options.get("port", 0)))
        port = sock.getsockname()[1]
        folder = os.path.join(self.state_dir, "messages", str(port))
        handler = Handler(folder, data_delay, implicit_tls)
        counter = itertools.count(1)

        def factory():
            kwargs = {"hostname": "localhost", "ident": "dirsync test server (aiosmtpd)", "counter": counter,
                      "close_connections": close_connections, "enable_SMTPUTF8": smtputf8}
            if starttls != "none" and not implicit_tls:
                kwargs["tls_context"] = self.tls
                kwargs["require_starttls"] = starttls == "require"
            if auth != "none":
                kwargs["authenticator"] = self.authenticate
                kwargs["auth_required"] = auth == "require"
                # Over implicit TLS the channel is already encrypted; aiosmtpd only knows about STARTTLS.
                kwargs["auth_require_tls"] = not implicit_tls
            return CountingSMTP(handler, **kwargs)

        async def open_later():
            # Until then the port is bound but not listening: connections are refused, as with a server down.
            if open_after > 0:
                await asyncio.sleep(open_after)
            server = await asyncio.get_running_loop().create_server(
                factory, sock=sock, ssl=self.tls if implicit_tls else None)
            self.servers.append(server)

        if open_after > 0:
            asyncio.get_running_loop().create_task(open_later())
        else:
            await open_later()
        return {"port": port, "folder": folder}

    async def control(self, reader, writer):
        try:
            while line := await reader.readline():
                try:
                    reply = await self.listener(json.loads(line))
                except Exception as error:  # reported to the test, which fails with it
                    reply = {"error": str(error)}
                writer.write((json.dumps(reply) + "\n").encode())
                await writer.drain()
        finally:
            writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--port", type=int, default=0, help="the standing listener's port (default: any free)")
    args = parser.parse_args()
    with open(os.path.join(args.state_dir, "credentials"), encoding="utf-8") as handle:
        user, password = handle.read().split("\n")[:2]
    server = Server(args.state_dir, user, password)
    standing = await server.listener({"starttls": "offer", "auth": "offer", "port": args.port})
    control = await asyncio.start_server(server.control, "127.0.0.1", 0)
    state = {
        "pid": os.getpid(),
        "smtp_port": standing["port"],
        "messages": standing["folder"],
        "control_port": control.sockets[0].getsockname()[1],
        "user": user,
        "password_file": os.path.join(args.state_dir, "password"),
        "ca_file": os.path.join(args.state_dir, "cert.pem"),
        "state_dir": args.state_dir,
    }
    path = os.path.join(args.state_dir, "server.json")
    with open(path + ".partial", "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=2)
    os.rename(path + ".partial", path)
    print(f"smtp-server: listening on 127.0.0.1:{standing['port']}", file=sys.stderr, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
