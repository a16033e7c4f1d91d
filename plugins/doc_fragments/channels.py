# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
from typing import Any, Callable

from ansible_collections.messente.omnichannel.plugins.module_utils._channels import (
    CHANNELS,
    CHECK_NOTES,
    FIELDS_ADDED_IN,
    FIRST_RELEASE_FIELDS,
    MESSAGES_DESCRIPTION,
    Field,
    Variant,
    argspec_required,
    channel_variants,
    format_number,
    merge,
)

ROOT = "messages"


def _ref(path: str) -> str:
    return f"O({path})"


def _channel_ref(channel: str) -> str:
    return f"O(messages[].channel={channel})"


def _dedupe(lines: list[str]) -> list[str]:
    return list(dict.fromkeys(lines))


def _size_note(item: Field) -> list[str]:
    low, high = item.min_length, item.max_length
    unit = item.noun if item.is_list else "characters"
    if low is not None and high is not None:
        return [f"{low} to {high} {unit}."]
    if high is not None:
        return [f"At most {high} {unit}."]
    return [f"At least {low} {unit}."] if low is not None and low > 1 else []


def _bounds_note(item: Field) -> list[str]:
    low, high = item.minimum, item.maximum
    if low is not None and high is not None:
        return [f"From {format_number(low)} to {format_number(high)}."]
    if low is not None:
        return [f"At least {format_number(low)}."]
    return [f"At most {format_number(high)}."] if high is not None else []


def _wire_note(item: Field) -> list[str]:
    notes = []
    if item.wire:
        notes.append(f"Sent as C({'.'.join(item.wire)}).")
    if item.wire_values:
        pairs = ", ".join(f"V({option}) as C({wire})" for option, wire in item.wire_values.items())
        notes.append(f"The module sends {pairs}, the values of Messente's schema.")
    return notes


def _default_note(item: Field, required: bool) -> list[str]:
    if item.default_from is None:
        return ["Required."] if required else []
    if item.default_from == "text":
        fill = "If not set, O(text) is used where this entry's content allows a text, see O(messages)."
    else:
        fill = f"If not set, O({item.default_from}) is used."
    return [fill, "Required here or through the top-level option."] if required else [fill]


def _notes(item: Field, path: str, required_in_spec: bool) -> list[str]:
    """What the table enforces on this field, in words; generated, so the docs state exactly what is checked."""
    notes = _default_note(item, item.required and not required_in_spec)
    notes += _size_note(item) + _bounds_note(item)
    notes += [CHECK_NOTES[item.check]] if item.check else []
    notes += _wire_note(item)
    if item.model is not None:
        child = f"{path}[]" if item.is_list else path
        notes += [rule.describe(lambda name, child=child: _ref(f"{child}.{name}")) for rule in item.model.rules]
    return notes


def _per_channel(variants: list[Variant], lines_of: Callable[[Variant], list[str]]) -> list[str]:
    """Lines that hold on every channel once; the others prefixed with the channel they hold for."""
    per_variant = [lines_of(variant) for variant in variants]
    common = [line for line in per_variant[0] if all(line in lines for lines in per_variant)]
    own = [f"With {_channel_ref(variant.channel)}: {line}"
           for variant, lines in zip(variants, per_variant) for line in lines if line not in common]
    return common + own


def _channel_note(variants: list[Variant], parents: list[Variant]) -> list[str]:
    owners = _dedupe([variant.channel for variant in variants])
    if len(owners) == len(_dedupe([parent.channel for parent in parents])):
        return []
    listed = " and ".join(_channel_ref(channel) for channel in owners)
    return [f"Only for {listed}."]


def option_doc(variants: list[Variant], parents: list[Variant], path: str) -> dict[str, Any]:
    """The documentation of one merged option: every channel's description, its checks, its suboptions."""
    first = variants[0].field
    required = argspec_required(variants, parents)
    description = _channel_note(variants, parents)
    description += _per_channel(variants, lambda variant: list(variant.field.description))
    description += _per_channel(variants, lambda variant: _notes(variant.field, path, required))
    doc: dict[str, Any] = {"description": _dedupe(description), "type": first.type}
    if required:
        doc["required"] = True
    if first.choices:
        doc["choices"] = list(first.choices)
    if first.is_list:
        doc["elements"] = "dict"
    if first.model is not None:
        child = f"{path}[]" if first.is_list else path
        doc["suboptions"] = options_doc(variants, child)
    return doc


def options_doc(parents: list[Variant], path: str) -> dict[str, Any]:
    return {name: option_doc(variants, parents, f"{path}.{name}") for name, variants in merge(parents).items()}


def _channel_rules() -> list[str]:
    """The rules that tie the fields of one whole entry together, stated once with the channels they hold for."""
    holders: dict[str, list[str]] = {}
    for variant in channel_variants():
        for rule in variant.field.model.rules if variant.field.model else ():
            holders.setdefault(rule.describe(lambda name: _ref(f"{ROOT}[].{name}")), []).append(variant.channel)
    lines = []
    for text, channels in holders.items():
        where = "On every channel" if len(channels) == len(CHANNELS) else f"With {' and '.join(map(_channel_ref, channels))}"
        lines.append(f"{where}: {text}")
    return lines


def messages_doc() -> dict[str, Any]:
    """The whole ``messages`` option, rendered from the channel table."""
    return {
        "description": list(MESSAGES_DESCRIPTION) + _channel_rules(),
        "type": "list",
        "elements": "dict",
        "suboptions": _with_versions(options_doc(channel_variants(), f"{ROOT}[]")),
    }


def _with_versions(suboptions: dict[str, Any]) -> dict[str, Any]:
    """Mark the suboptions added after the first release; their own suboptions came with them."""
    for name, doc in suboptions.items():
        if name not in FIRST_RELEASE_FIELDS:
            doc["version_added"] = FIELDS_ADDED_IN
    return suboptions


class ModuleDocFragment:
    """The ``messages`` option of messente_scheduled_message, rendered from module_utils/_channels.py when loaded.

    The table there also builds the argument spec and the request body, so the docs cannot drift from the code.
    JSON is YAML. The annotation is deliberate: ansible-test's yamllint reads plain assignments in doc fragments
    as string literals, and this value is computed.
    """

    DOCUMENTATION: str = json.dumps({"options": {ROOT: messages_doc()}}, indent=1)
