"""The binary package repository of the simulated host (placeholder: being written)."""


def build_repository(paths, flavor) -> None:
    """Build every package of the flavor into flavor.repo_dir inside the sandbox."""


def preinstall(paths, flavor) -> None:
    """Register the flavor's preinstalled packages (pkgin) as a bootstrapped host has them."""
