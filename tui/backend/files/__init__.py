"""Editors for the files the wizard changes: pure text functions (str in, str out).

One module per file kind: :mod:`rcconf` (/etc/rc.conf), :mod:`mailerconf`
(/etc/mailer.conf), :mod:`mkconf` (/etc/mk.conf), :mod:`control` (qmail's control/),
:mod:`alias` (dot-qmail files), :mod:`tcprules` (tcp.smtp source rules).  Each edit
keeps every unrelated line and comment byte-identical and is idempotent; bad values
raise ``ValueError`` naming the value (the profile validator catches them first).
"""
