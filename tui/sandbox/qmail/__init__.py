"""Shared logic of the simulated qmail programs (qmail-1.03/netqmail semantics).

One module per job: ``accounts`` (compiled-in names, ids at run time),
``control`` (control files), ``privs`` (setuid emulation), ``queue`` (queue
layout and injection), ``users`` (qmail-lspawn's user lookup), ``local``
(qmail-local deliveries), ``send`` (the qmail-send daemon), ``smtp``
(qmail-smtpd's dialogue), ``rules`` (tcprules/tcpserver access rules).
"""
