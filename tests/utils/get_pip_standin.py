# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stand-in for the pip bootstrap script that ansible-test normally downloads.

ansible-test fetches ``get-pip-<version>.py`` from a host that is unreachable
on machines that only see PyPI, then caches it as
``~/.ansible/test/cache/get_pip_<version>.py``. tests/utils/venv.sh copies
this file to that cache path, so venv bootstrapping uses the interpreter's
bundled ensurepip and installs the requested pip release from PyPI instead.

ansible-test runs it as ``python get_pip.py [pip options] pip==X [--no-setuptools] [--no-wheel]``.
"""

from __future__ import annotations

import subprocess
import sys

# get-pip.py understands these flags, plain ``pip install`` does not.
GET_PIP_ONLY_FLAGS = frozenset(('--no-setuptools', '--no-wheel'))


def main() -> None:
    """Bootstrap pip with ensurepip, then install the pinned packages from PyPI."""
    pip_args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_FLAGS]
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'])
    subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + pip_args)


if __name__ == '__main__':
    main()
