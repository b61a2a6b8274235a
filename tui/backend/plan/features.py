"""The mail features of issue 14: what each brings to the plan, per era, and why.

- SRS (mail.srs): qmail-srs, control/srs_domain, a secret made on the host
  (control/srs_secrets, 0640 qmail-send's user : the alias group), the SRS domain in
  rcpthosts and virtualdomains (``srs.DOMAIN:srs``), alias/.qmail-srs-default piping
  to srsfilter (README.srs).
- TLS (tls.certificate): control/servercert.pem, 0640 qmaild:qmail (MESSAGE.tls /
  README.tls); 2017Q1 needs the tls patch, 2020Q2 sslserver also needs
  control/dh2048.pem and reads both through the ``*_tls`` rc.conf knobs.
- AUTH (mail.smtp_auth): 2017Q1 qmail-smtpd's checkprogram
  (``qmailsmtpd_postsmtpd``), the checkpassword package made setuid root (the patch's
  README.auth: qmail-smtpd runs as qmaild); 2020Q2 submission on 587 (qmailofmipd with
  authup + nbcheckpassword from qmail-acceptutils).
- smtproutes, databytes: their control files.
"""

from __future__ import annotations

import copy

from ..facts import ALIAS_DIR, CONTROL
from ..files import control
from ..hoststate import CdbBuilt, HostState
from ..profile.features import smtpd_patch_era, submission_on
from ..profile.model import SYSTEM_ALIASES, Profile
from ..steps import RunCommand, Step, WriteFile
from .policy import PlanError

CERT = f"{CONTROL}/servercert.pem"
DHPARAMS = f"{CONTROL}/dh2048.pem"
SECRETS = f"{CONTROL}/srs_secrets"
CHECKPASSWORD = "/usr/pkg/bin/checkpassword"
SRSFILTER = "/usr/pkg/bin/srsfilter"
#: the checkprogram qmail-smtpd runs for AUTH (the patch's README.auth)
POSTSMTPD = f"{CHECKPASSWORD} /usr/bin/true"
#: pkgsrc directory of each extra package (source builds)
PKGDIRS = {"checkpassword": "sysutils/checkpassword", "mess822": "mail/mess822"}
#: an openssl config with just what ``req -subj`` needs (the host's may be missing)
OPENSSL_CONF = "[req]\ndistinguished_name = dn\n[dn]\n"
CERT_DAYS = "366"  # as MESSAGE.tls


def effective(profile: Profile, state: HostState, catalog) -> tuple[Profile, list[str]]:
    """The profile with what it leaves to derivation filled in, and what its features
    imply (notes say each): system aliases to the admin, the SRS domain in
    rcpthosts and virtualdomains, qmailofmipd for 2020Q2's AUTH."""
    out = copy.deepcopy(profile)
    notes: list[str] = []
    mail = out.mail
    missing = [name for name in SYSTEM_ALIASES if name not in mail.aliases]
    if missing:
        admin = state.admin_user()
        if admin is None:
            raise PlanError(
                f"mail.aliases leaves out {', '.join(missing)} and this host has no "
                "ordinary user to send that mail to; name a target for each in the profile."
            )
        mail.aliases.update(dict.fromkeys(missing, admin))
        notes.append(f"{', '.join(missing)} go to {admin}, the host's first ordinary user.")
    srs = mail.srs.domain
    if srs:
        if srs not in mail.rcpthosts:
            mail.rcpthosts.append(srs)
        mail.virtualdomains.setdefault(srs, "srs")
        notes.append(
            f"SRS: {srs} is added to rcpthosts and virtualdomains ({srs}:srs), so that "
            "bounces to rewritten addresses come back to srsfilter (README.srs)."
        )
    if submission_on(out, catalog) and not out.services.qmailofmipd:
        out.services.qmailofmipd = True
        notes.append(
            "SMTP AUTH: in this pkgsrc era qmail-smtpd has no AUTH; authenticated "
            "submission is qmailofmipd on port 587 (authup + nbcheckpassword), so it is "
            "enabled."
        )
    return out, notes


def extra_packages(profile: Profile, state: HostState, catalog) -> list[tuple[str, str]]:
    """(package, why) for each package the features need that the host lacks."""
    wanted = []
    if smtpd_patch_era(catalog):  # 2020Q2's qmail depends on checkpassword itself
        if profile.mail.smtp_auth:
            wanted.append(("checkpassword", "qmail-smtpd's AUTH checks passwords with it"))
        elif profile.services.qmailpop3d:
            wanted.append(("checkpassword", "qmail-popup checks POP3 passwords with it"))
        if profile.services.qmailofmipd:
            wanted.append(("mess822", "ofmipd comes from mess822 (qmail-run-ofmipd)"))
    return [(pkg, why) for pkg, why in wanted if pkg not in state.packages]


def plan_extra_packages(
    step: Step, profile: Profile, state: HostState, catalog, method: str
) -> None:
    for package, why in extra_packages(profile, state, catalog):
        if method == "binary":
            step.actions.append(RunCommand(("pkg_add", "-v", package), stream=True))
        elif method == "pkgin":
            step.actions.append(
                RunCommand(
                    ("pkgin", "install", package),
                    stream=True,
                    answers=(("proceed ? [Y/n] ", "y"),),
                )
            )
        else:
            step.actions.append(
                RunCommand(("make", "install"), cwd=f"/usr/pkgsrc/{PKGDIRS[package]}", stream=True)
            )
        step.notes.append(f"Installs {package}: {why}.")


def feature_texts(profile: Profile, state: HostState) -> dict[str, str]:
    """The control files of smtproutes, databytes and SRS, by name."""
    mail = profile.mail

    def old(name: str) -> str:
        return state.text(f"{CONTROL}/{name}") or ""

    texts = {}
    if mail.smtproutes or old("smtproutes"):
        routes = [f"{domain}:{route}" for domain, route in mail.smtproutes.items()]
        texts["smtproutes"] = control.render_list(routes, old("smtproutes"))
    if mail.databytes or old("databytes"):
        texts["databytes"] = control.render_value(str(mail.databytes), old("databytes"))
    if mail.srs.domain:
        texts["srs_domain"] = control.render_value(mail.srs.domain, old("srs_domain"))
    return texts


def _mode_fix(
    step: Step, state: HostState, path: str, mode: str, perm: str, owner: tuple[str, str]
) -> None:
    """chown/chmod ``path`` unless the probe saw it so (``mode`` as ls shows it)."""
    seen = state.modes.get(path)
    if seen is None or seen[1:] != owner:
        step.actions.append(RunCommand(("chown", ":".join(owner), path)))
    if seen is None or seen[0] != mode:
        step.actions.append(RunCommand(("chmod", perm, path)))


def plan_secrets(step: Step, profile: Profile, state: HostState, catalog) -> None:
    """The SRS secret, the TLS certificate (and 2020Q2's DH parameters), checkpassword's
    setuid bit: made or fixed on the host, never read into the plan."""
    accounts = profile.build.accounts
    if profile.mail.srs.domain:
        if SECRETS not in state.modes:
            step.actions.append(
                RunCommand(
                    (
                        "sh",
                        "-c",
                        'umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d " \\n" > "$1" '
                        '&& echo >> "$1"',
                        "sh",
                        SECRETS,
                    ),
                    failure="making the SRS secret from /dev/urandom",
                )
            )
            step.notes.append(
                "The SRS secret (control/srs_secrets) is 32 random bytes made on the "
                "host; it is never in the profile or the plan."
            )
        _mode_fix(
            step, state, SECRETS, "-rw-r-----", "0640", (accounts.send, accounts.nofiles_group)
        )
        step.notes.append(
            f"srs_secrets is readable by {accounts.send} (qmail-send reverses bounces) and "
            f"the {accounts.nofiles_group} group (alias deliveries and srsfilter) only; a "
            "forward in a user's own ~/.qmail cannot read it and is deferred."
        )
    certificate = profile.tls.certificate
    if certificate:
        owner = (accounts.daemon, accounts.qmail_group)
        if CERT not in state.modes:
            if certificate == "self-signed":
                step.actions.append(
                    RunCommand(
                        (
                            "sh",
                            "-c",
                            'umask 077 && exec "$@"',
                            "sh",
                            "openssl",
                            "req",
                            "-new",
                            "-x509",
                            "-nodes",
                            "-newkey",
                            "rsa:2048",
                            "-days",
                            CERT_DAYS,
                            "-subj",
                            f"/CN={profile.mail.me}",
                            "-config",
                            "/dev/stdin",
                            "-keyout",
                            CERT,
                            "-out",
                            CERT,
                        ),
                        input=OPENSSL_CONF,
                        failure="making a self-signed certificate with openssl",
                    )
                )
                step.notes.append(
                    f"A self-signed certificate for {profile.mail.me} ({CERT_DAYS} days) is "
                    "made on the host with openssl; clients will not trust it unless told to."
                )
            else:
                step.actions.append(RunCommand(("cp", certificate, CERT)))
                step.notes.append(f"{certificate} is copied to {CERT}.")
        _mode_fix(step, state, CERT, "-rw-r-----", "0640", owner)
        if not smtpd_patch_era(catalog) and DHPARAMS not in state.modes:
            step.actions.append(
                RunCommand(
                    ("openssl", "dhparam", "-dsaparam", "-out", DHPARAMS, "2048"),
                    failure="making DH parameters with openssl",
                )
            )
            step.notes.append(
                "sslserver needs DH parameters (control/dh2048.pem) besides the certificate."
            )
        if smtpd_patch_era(catalog):
            step.notes.append(
                "The tls patch makes temporary RSA/DH keys when the update_tmprsadh files are "
                "missing; run update_tmprsadh daily from cron for faster handshakes."
            )
    if smtpd_patch_era(catalog) and profile.mail.smtp_auth:
        seen = state.modes.get(CHECKPASSWORD)
        if seen is None or seen[0] != "-r-sr-xr-x" or seen[1] != "root":
            step.actions.append(RunCommand(("chmod", "4555", CHECKPASSWORD)))
            step.notes.append(
                "checkpassword is made setuid root: qmail-smtpd runs as qmaild and could "
                "not read the password database otherwise (README.auth of the tls patch)."
            )


#: 2017Q1 qmail-run's tcp.ofmip (files/tcp.ofmip, without its qmail-qfilter line:
#: qmail-qfilter-ofmipd-queue is not installed by this wizard); qmailofmipd needs its cdb
OFMIP_RULES = '127.:allow,RELAYCLIENT=""\n'
OFMIP = ("/usr/pkg/etc/qmail/tcp.ofmip", "/usr/pkg/etc/qmail/tcp.ofmip.cdb")


def compile_rules(source: str, cdb: str, text: str) -> RunCommand:
    """tcprules: ``text`` (``source``'s rules) compiled to ``cdb`` through CDB.tmp."""
    return RunCommand(
        ("tcprules", cdb, f"{cdb}.tmp"), input=text, touches=(cdb,), effect=CdbBuilt(source, cdb)
    )


def plan_ofmip_rules(step: Step, profile: Profile, state: HostState, catalog) -> None:
    """2017Q1: qmailofmipd requires tcp.ofmip.cdb, which qmail-run does not install."""
    if not (smtpd_patch_era(catalog) and profile.services.qmailofmipd):
        return
    source, cdb = OFMIP
    text = state.text(source)
    if text is None:
        text = OFMIP_RULES
        step.actions.append(WriteFile(source, None, text))
    if not state.cdbs.get(cdb, False) or step.actions:
        step.actions.append(compile_rules(source, cdb, text))
        step.notes.append("tcp.ofmip (qmailofmipd's rules) is compiled to its cdb.")


def plan_srs_alias(step: Step, profile: Profile, state: HostState) -> None:
    if not profile.mail.srs.domain:
        return
    path = f"{ALIAS_DIR}/.qmail-srs-default"
    new = f"| {SRSFILTER}\n"
    current = state.text(path)
    if current != new:
        step.actions.append(WriteFile(path, current, new))
        step.notes.append("alias/.qmail-srs-default hands bounces to SRS addresses to srsfilter.")


def rc_knobs(profile: Profile, state: HostState, catalog) -> dict[str, str]:
    """rc.conf values the features set (besides the services' YES/NO)."""
    from ..files import rcconf

    rc_conf = state.text("/etc/rc.conf") or ""
    knobs: dict[str, str] = {}
    if smtpd_patch_era(catalog):
        current = rcconf.get(rc_conf, "qmailsmtpd_postsmtpd")
        if profile.mail.smtp_auth:
            knobs["qmailsmtpd_postsmtpd"] = POSTSMTPD
        elif current == POSTSMTPD:
            knobs["qmailsmtpd_postsmtpd"] = ""
    elif profile.tls.certificate:
        for service in ("qmailsmtpd", "qmailofmipd", "qmailpop3d"):
            if getattr(profile.services, service):
                knobs[f"{service}_tls"] = "YES"
    return {k: v for k, v in knobs.items() if rcconf.get(rc_conf, k) != v}
