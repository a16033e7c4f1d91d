# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Attributes shared by the modules of this collection."""

    DOCUMENTATION = r"""
options: {}
"""

    ACTIONGROUP_MESSENTE = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/messente.omnichannel.messente) in C(module_defaults) to set defaults for this module, such as the credentials.
    support: full
    membership:
      - messente.omnichannel.messente
"""

    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - The module only reads from Messente, so it runs the same in check mode.
  diff_mode:
    support: N/A
    details:
      - The module changes nothing, so there is nothing to show.
"""
