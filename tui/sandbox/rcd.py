"""rc.d for the simulated host (placeholder: being written)."""


def install_base_rc(paths, flavor, config) -> None:
    """Write /etc/rc, /etc/rc.subr, /etc/rc.shutdown and /etc/rc.d/postfix."""
