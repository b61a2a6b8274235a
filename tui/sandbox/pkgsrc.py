"""The pkgsrc source tree of the simulated host (placeholder: being written)."""


def install_tree(paths, flavor) -> None:
    """Write /usr/pkgsrc/mail/{qmail,qmail-run} and the pkgsrc infrastructure."""
