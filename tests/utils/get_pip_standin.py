# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stand-in for the pip bootstrap script that ansible-test normally downloads.

ansible-test fetches ``get-pip-<version>.py`` from a host that is unreachable
on machines that only see PyPI, then caches it as
``~/.ansible/test/cache/get_pip_<version>.py``. tests/utils/venv.sh copies
this file to that cache path, so venv bootstrapping installs the requested pip
release from PyPI instead.

ansible-test runs it as ``python get_pip.py [pip options] pip==X [--no-setuptools] [--no-wheel]``.
Like the real get-pip.py, it runs pip from a zip (here the pip wheel that the
interpreter bundles for ensurepip) and installs in one step; without a bundled
wheel it falls back to ensurepip first. ansible-test bootstraps a dozen venvs
per ansible-core line, so the single step matters.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys

# get-pip.py understands these flags, plain ``pip install`` does not.
GET_PIP_ONLY_FLAGS = frozenset(('--no-setuptools', '--no-wheel'))


def bundled_pip_wheel() -> str | None:
    """The pip wheel shipped with this interpreter's ensurepip, if it has one."""
    try:
        import ensurepip
    except ImportError:  # some distributions ship Python without ensurepip
        return None
    wheels = sorted(glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), '_bundled', 'pip-*.whl')))
    return wheels[-1] if wheels else None


def main() -> None:
    """Install the pinned packages with pip run from the bundled wheel, or after ensurepip."""
    pip_args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_FLAGS]
    wheel = bundled_pip_wheel()
    if wheel:
        subprocess.check_call([sys.executable, os.path.join(wheel, 'pip'), 'install'] + pip_args)
        return
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'])
    subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + pip_args)


if __name__ == '__main__':
    main()
