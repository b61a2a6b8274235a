"""qmail-smtpd with pkgsrc's 2017 ``sasl``/``tls`` patch (netqmail-1.05-tls-smtpauth:
Vermeulen's STARTTLS + Hoffmann's SMTP AUTH), reply texts as in the patch.

- EHLO lists STARTTLS (``tls`` only, before TLS, when control/servercert.pem exists),
  PIPELINING, 8BITMIME, ``SIZE <databytes>`` and ``AUTH LOGIN PLAIN CRAM-MD5``: AUTH
  is advertised with or without TLS, as upstream does.
- AUTH runs ``qmail-smtpd``'s own arguments (``checkprogram subprogram``) with
  ``user\\0password\\0challenge\\0`` on descriptor 3; exit 0 sets RELAYCLIENT and
  the ``ESMTPA`` protocol, anything else answers 535 after 5 seconds.
- STARTTLS uses Python's ssl with the certificate and key of control/servercert.pem;
  the DH/RSA parameter files (update_tmprsadh) are not read.
"""

from __future__ import annotations

import base64
import binascii
import os
import socket
import ssl
import time

from .smtp import Session

SERVERCERT = "control/servercert.pem"
AUTHSLEEP = 5


class _TlsIn:
    def __init__(self, conn: ssl.SSLSocket):
        self.conn = conn

    def read(self, size: int) -> bytes:
        try:
            return self.conn.recv(size)
        except (ssl.SSLError, OSError):
            return b""


class _TlsOut:
    def __init__(self, conn: ssl.SSLSocket):
        self.conn = conn

    def write(self, data: bytes) -> None:
        self.conn.sendall(data)


class AuthSession(Session):
    """One SMTP conversation of the patched qmail-smtpd."""

    def __init__(self, ctl, childargs: list[str], tls: bool):
        super().__init__(ctl)
        self.childargs = childargs
        self.tls = tls
        self.ssl: ssl.SSLSocket | None = None
        self.flagauth = False

    # -- EHLO and the table --------------------------------------------------------
    def extensions(self) -> list[str]:
        found = []
        if self.tls and self.ssl is None and os.path.exists(SERVERCERT):
            found.append("STARTTLS")
        found += ["PIPELINING", "8BITMIME", f"SIZE {self.ctl.databytes}"]
        return found + ["AUTH LOGIN PLAIN CRAM-MD5"]

    def more_commands(self) -> dict:
        table = {"auth": self.smtp_auth}
        if self.tls:
            table["starttls"] = self.smtp_tls
        return table

    # -- STARTTLS --------------------------------------------------------------------
    def tls_out(self, what: str, err: str | None = None) -> None:
        self.reply(f"454 TLS {what}" + (f": {err}" if err else "") + " (#4.3.0)\r\n")

    def smtp_tls(self, arg: str) -> None:
        if self.ssl is not None:
            return self.reply("502 unimplemented (#5.5.1)\r\n")
        if arg:
            return self.reply("501 Syntax error (no parameters allowed) (#5.5.4)\r\n")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            ctx.load_cert_chain(SERVERCERT)
        except FileNotFoundError as exc:
            return self.tls_out("missing certificate", exc.strerror)
        except (ssl.SSLError, OSError) as exc:
            return self.tls_out("no valid RSA private key", str(exc))
        self.reply("220 ready for tls\r\n")
        raw = socket.socket(fileno=os.dup(0))
        try:
            conn = ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            self.tls_out("connection failed", getattr(exc, "reason", None) or str(exc))
            raise SystemExit(1) from None
        self.ssl = conn
        self.plain = (self.rin, self.out)  # kept open: closing them would free fds 0/1
        self.rin, self.out, self.inbuf = _TlsIn(conn), _TlsOut(conn), b""
        cipher = conn.cipher()
        self.protocol = f"({cipher[0] if cipher else 'unknown'} encrypted) SMTP"
        self.helohost = self.remotehost

    # -- AUTH ------------------------------------------------------------------------
    def authgetl(self) -> str | None:
        raw = self.readline()
        if raw is None:
            raise SystemExit(1)
        line = raw.rstrip(b"\n").rstrip(b"\r").decode("latin-1")
        if line == "*":
            self.reply("501 auth exchange canceled (#5.0.0)\r\n")
            return None
        if not line:
            self.reply("501 malformed auth input (#5.5.4)\r\n")
            return None
        return line

    @staticmethod
    def b64(text: str) -> bytes:
        try:
            return base64.b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            return b""

    def auth_login(self, arg: str) -> tuple[bytes, bytes, bytes] | None:
        if not arg:
            self.reply("334 VXNlcm5hbWU6\r\n")
            arg = self.authgetl() or ""
            if not arg:
                return None
        user = self.b64(arg)
        self.reply("334 UGFzc3dvcmQ6\r\n")
        line = self.authgetl()
        if line is None:
            return None
        return user, self.b64(line), b""

    def auth_plain(self, arg: str) -> tuple[bytes, bytes, bytes] | None:
        if not arg:
            self.reply("334 \r\n")
            arg = self.authgetl() or ""
            if not arg:
                return None
        parts = self.b64(arg).split(b"\0")
        user = parts[1] if len(parts) > 1 else b""
        password = parts[2] if len(parts) > 2 else b""
        return user, password, b""

    def auth_cram(self, arg: str) -> tuple[bytes, bytes, bytes] | None:
        challenge = f"<{os.getpid()}.{int(time.time())}@{self.local}>".encode()
        self.reply(f"334 {base64.b64encode(challenge).decode()}\r\n")
        line = self.authgetl()
        if line is None:
            return None
        user, _, digest = self.b64(line).partition(b" ")
        return user, digest.lstrip(b" "), challenge

    def authenticate(self, user: bytes, password: bytes, challenge: bytes) -> bool | None:
        """Run the checkprogram; True/False, None when it could not be run (454 given)."""
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(w)
            os.dup2(r, 3)
            try:
                from ..proc import execvp

                execvp(self.childargs)
            except OSError:
                pass
            os._exit(1)
        os.close(r)
        try:
            os.write(w, user + b"\0" + password + b"\0" + challenge + b"\0")
        except OSError:
            self.reply("454 oops, unable to write pipe and I can't auth (#4.3.0)\r\n")
            return None
        finally:
            os.close(w)
        _, wstat = os.waitpid(pid, 0)
        if os.WIFSIGNALED(wstat):
            self.reply("454 oops, problem with child and I can't auth (#4.3.0)\r\n")
            return None
        if os.waitstatus_to_exitcode(wstat):
            time.sleep(AUTHSLEEP)
            return False
        return True

    def smtp_auth(self, arg: str) -> None:
        if not self.childargs:
            return self.reply("503 auth not available (#5.3.3)\r\n")
        if self.flagauth:
            return self.reply("503 you're already authenticated (#5.5.0)\r\n")
        if self.seenmail:
            return self.reply("503 no auth during mail transaction (#5.5.0)\r\n")
        mechanism, _, rest = arg.partition(" ")
        handler = {
            "login": self.auth_login,
            "plain": self.auth_plain,
            "cram-md5": self.auth_cram,
        }.get(mechanism.lower())
        if handler is None:
            return self.reply("504 auth type unimplemented (#5.5.1)\r\n")
        got = handler(rest.strip(" "))
        if got is None:
            return
        user, password, challenge = got
        if not user or not password:
            return self.reply("501 malformed auth input (#5.5.4)\r\n")
        ok = self.authenticate(user, password, challenge)
        if ok:
            self.flagauth = True
            self.protocol = "ESMTPA"
            self.relayclient = ""
            self.remoteinfo = user.decode("latin-1")
            os.environ["TCPREMOTEINFO"] = self.remoteinfo
            os.environ["RELAYCLIENT"] = ""
            self.reply("235 ok, go ahead (#2.0.0)\r\n")
        elif ok is False:
            self.reply("535 authentication failed (#5.7.1)\r\n")
