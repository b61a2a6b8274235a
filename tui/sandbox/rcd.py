"""rc.d for the simulated host (placeholder: being written)."""


def install_base_rc(paths, flavor, config) -> None:
    """Write /etc/rc, /etc/rc.subr, /etc/rc.shutdown and /etc/rc.d/postfix."""


def qmail_run_scripts(flavor, build_vars: dict) -> dict:
    """qmail-run's rc.d scripts {name: sh text} for the flavor, with the QMAIL_* names of
    ``build_vars`` (e.g. {"QMAIL_DAEMON_USER": "qmaild", ...}) substituted."""
    return {}
