# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The channel table drives the body, the argument spec and the docs: every field reaches the body, and all agree."""

from __future__ import annotations

import copy
import json
from typing import Any, Iterator

import pytest
import yaml

from ansible_collections.messente.omnichannel.plugins.doc_fragments.channels import ModuleDocFragment
from ansible_collections.messente.omnichannel.plugins.module_utils import _channels
from ansible_collections.messente.omnichannel.plugins.module_utils._channels import CHANNEL_MODELS, CHECK_NOTES, Field, Model, Refuses, walk
from ansible_collections.messente.omnichannel.plugins.module_utils._omnimessage import CHECKS, InputError, build_channel_messages
from ansible_collections.messente.omnichannel.plugins.modules import messente_scheduled_message
from ansible_collections.messente.omnichannel.tests.unit.plugins.module_utils.channel_examples import EXAMPLES, Example

IDS = [example.name for example in EXAMPLES]


def fresh(message: dict[str, Any]) -> dict[str, Any]:
    """A copy sharing nothing: the examples reuse sub-objects, and deepcopy would keep them shared."""
    return json.loads(json.dumps(message))


def build(message: dict[str, Any], text: str | None = None, sender: str | None = None) -> dict[str, Any]:
    return build_channel_messages([message], text, sender)[0]


def leaves(model: Model, value: dict[str, Any], option: tuple, wire: tuple) -> Iterator[tuple[tuple, tuple, Field, Any]]:
    """Every scalar the user set under ``value``: (option path without list indices, JSON path in the body, field, value)."""
    for field in model.fields:
        given = value.get(field.name)
        if given is None:
            continue
        here, at = option + (field.name,), wire + field.path
        if field.model is None:
            yield here, at, field, given
        elif field.is_list:
            for index, element in enumerate(given):
                yield from leaves(field.model, element, here, at + (index,))
        else:
            yield from leaves(field.model, given, here, at)


def at_path(body: Any, path: tuple) -> Any:
    for step in path:
        body = body[step]
    return body


def models_of(model: Model) -> Iterator[Model]:
    """``model`` and every model under it (shared ones, such as RCS suggestions, once per place they appear)."""
    yield model
    for field in model.fields:
        if field.model is not None:
            yield from models_of(field.model)


def fields_set(model: Model, value: dict[str, Any]) -> Iterator[tuple[int, str]]:
    """(model identity, field name) of every field set in ``value``: the walk is per model, wherever it sits."""
    for field in model.fields:
        given = value.get(field.name)
        if given is None:
            continue
        yield id(model), field.name
        for element in (given if field.is_list else [given]) if field.model is not None else []:
            yield from fields_set(field.model, element)


def refused(model: Model) -> set[str]:
    return {rule.name for rule in model.rules if isinstance(rule, Refuses)}


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_every_example_builds_exactly_its_body(example: Example) -> None:
    assert build(copy.deepcopy(example.message)) == example.body


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_every_value_set_reaches_its_json_path(example: Example) -> None:
    body = build(copy.deepcopy(example.message))

    for option, wire, field, value in leaves(CHANNEL_MODELS[example.channel], example.message, (), ()):
        sent = field.wire_values[value] if field.wire_values else value
        assert at_path(body, wire) == sent, f"{example.name}: {'.'.join(option)} did not reach {wire}"


@pytest.mark.parametrize("channel", list(CHANNEL_MODELS))
def test_the_examples_set_every_field_of_every_model_of_the_table(channel: str) -> None:
    set_by_examples = {pair for example in EXAMPLES if example.channel == channel
                       for pair in fields_set(CHANNEL_MODELS[channel], example.message)}
    in_table = {(id(model), field.name): f"{model.sdk_name}.{field.name}" for model in models_of(CHANNEL_MODELS[channel])
                for field in model.fields if field.name not in refused(model)}

    missing = sorted(name for pair, name in in_table.items() if pair not in set_by_examples)
    assert missing == [], "fields of the table that no example sets, so no test proves they reach the body"


def test_every_named_check_is_implemented_and_documented() -> None:
    used = {field.check for model in CHANNEL_MODELS.values() for _path, field in walk(model) if field.check}

    assert used <= set(CHECKS) == set(CHECK_NOTES)


# --- the argument spec, the docs and the table agree ---------------------------------------------------------------

def _agree(spec: dict[str, Any], docs: dict[str, Any], where: str) -> None:
    assert set(spec) == set(docs), f"{where}: argspec {sorted(set(spec) - set(docs))} / docs {sorted(set(docs) - set(spec))}"
    for name, option in spec.items():
        doc = docs[name]
        here = f"{where}.{name}"
        assert doc["description"] and all(isinstance(line, str) and line for line in doc["description"]), here
        assert doc["type"] == option["type"], here
        assert doc.get("required", False) == option.get("required", False), here
        assert doc.get("choices") == option.get("choices"), here
        assert doc.get("elements") == option.get("elements"), here
        assert ("suboptions" in doc) == ("options" in option), here
        if "options" in option:
            _agree(option["options"], doc["suboptions"], here)


def test_the_argument_spec_and_the_rendered_docs_agree() -> None:
    docs = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]["messages"]

    assert messente_scheduled_message.MODULE_OPTIONS["messages"] == {"type": "list", "elements": "dict",
                                                                     "options": _channels.message_argument_spec()}
    assert (docs["type"], docs["elements"]) == ("list", "dict")
    _agree(messente_scheduled_message.MODULE_OPTIONS["messages"]["options"], docs["suboptions"], "messages")


@pytest.mark.parametrize("channel", list(CHANNEL_MODELS))
def test_every_table_field_is_an_option_at_its_place(channel: str) -> None:
    spec = _channels.message_argument_spec()
    for path, field in walk(CHANNEL_MODELS[channel]):
        options = {"options": spec}
        for step in path:
            options = options["options"][step]
        assert options["type"] == field.type, path
        assert options.get("choices", []) == list(field.choices), path


def test_the_module_documentation_uses_the_rendered_fragment() -> None:
    documentation = yaml.safe_load(messente_scheduled_message.DOCUMENTATION)

    assert "messente.omnichannel.channels" in documentation["extends_documentation_fragment"]
    assert "messages" not in documentation["options"]


def test_the_docs_state_the_limits_the_builder_enforces() -> None:
    docs = json.loads(ModuleDocFragment.DOCUMENTATION)["options"]["messages"]["suboptions"]
    card = docs["rich_card"]["suboptions"]["carousel_card"]["suboptions"]["card_contents"]

    assert "2 to 10 cards." in card["description"]
    assert "At most 200 characters." in card["suboptions"]["title"]["description"]
    assert "With O(messages[].channel=rcs): At most 3072 characters." in docs["text"]["description"]
    assert any("Exactly one of O(messages[].text), O(messages[].content_info) or O(messages[].rich_card)" in line
               for line in json.loads(ModuleDocFragment.DOCUMENTATION)["options"]["messages"]["description"])


# --- what the top-level text and sender fill in ---------------------------------------------------------------------

@pytest.mark.parametrize(("message", "expected"), [
    ({"channel": "sms"}, {"channel": "sms", "text": "Fallback text", "sender": "OpsTeam"}),
    ({"channel": "viber", "video": {"url": "https://v.example.com/a.mp4", "thumbnail": "https://v.example.com/a.png", "file_size": 1,
                                    "duration": 1}},
     {"channel": "viber", "text": "Fallback text", "sender": "OpsTeam",
      "video": {"url": "https://v.example.com/a.mp4", "thumbnail": "https://v.example.com/a.png", "file_size": 1, "duration": 1}}),
    ({"channel": "viber", "image_url": "https://i.example.com/a.png"},
     {"channel": "viber", "sender": "OpsTeam", "image_url": "https://i.example.com/a.png"}),
    ({"channel": "viber", "template": {"id": "t1", "lang": "en"}}, {"channel": "viber", "sender": "OpsTeam", "template": {"id": "t1", "lang": "en"}}),
    ({"channel": "whatsapp", "preview_url": True},
     {"channel": "whatsapp", "sender": "OpsTeam", "text": {"body": "Fallback text", "preview_url": True}}),
    ({"channel": "whatsapp", "image": {"id": "42"}}, {"channel": "whatsapp", "sender": "OpsTeam", "image": {"id": "42"}}),
    ({"channel": "rcs", "suggestions": [{"reply": {"text": "OK", "postback_data": "ok"}}]},
     {"channel": "rcs", "sender": "OpsTeam", "text": "Fallback text", "suggestions": [{"reply": {"text": "OK", "postback_data": "ok"}}]}),
    ({"channel": "rcs", "content_info": {"file_url": "https://f.example.com/a.pdf", "force_refresh": False}},
     {"channel": "rcs", "sender": "OpsTeam", "content_info": {"file_url": "https://f.example.com/a.pdf", "force_refresh": False}}),
], ids=["sms", "viber-video", "viber-image-only", "viber-template", "whatsapp-text", "whatsapp-media", "rcs-text", "rcs-file"])
def test_the_top_level_text_fills_in_only_where_the_content_allows_a_text(message: dict[str, Any], expected: dict[str, Any]) -> None:
    assert build(message, "Fallback text", "OpsTeam") == expected


def test_ansible_style_none_for_unset_suboptions_changes_nothing() -> None:
    """Ansible passes every suboption of a given object, unset ones as None; they must not reach the body."""
    message = {"channel": "viber", "video": {"url": "https://v.example.com/a.mp4", "thumbnail": "https://v.example.com/a.png",
                                             "file_size": 1, "duration": 1, "id": None, "link": None, "caption": None,
                                             "mime_type": None}, "template": None, "text": None}

    video = {"url": "https://v.example.com/a.mp4", "thumbnail": "https://v.example.com/a.png", "file_size": 1, "duration": 1}
    assert build(message) == {"channel": "viber", "video": video}


def test_a_dial_number_is_normalized_like_a_recipient() -> None:
    message = {"channel": "rcs", "sender": "Ops", "text": "Call us", "suggestions": [
        {"action": {"text": "Call", "postback_data": "c", "dial_action": {"phone_number": "+372 5123-4567"}}}]}

    assert build(message)["suggestions"][0]["action"]["dial_action"] == {"phone_number": "+37251234567"}


# --- every limit, every required field and every type, by walking the examples -------------------------------------

def _limited() -> Iterator[Any]:
    for example in EXAMPLES:
        for option, _wire, field, value in leaves(CHANNEL_MODELS[example.channel], example.message, (), ()):
            yield from _limit_cases(example, option, field, value)
        for path, field in _objects(CHANNEL_MODELS[example.channel], example.message, ()):
            if field.is_list and (field.min_length is not None or field.max_length is not None):
                yield pytest.param(example, path, "count", id=f"{example.name}:{_dotted(path)}:count")


def _limit_cases(example: Example, option: tuple, field: Field, value: Any) -> Iterator[Any]:
    if isinstance(value, str) and field.max_length is not None:
        yield pytest.param(example, option, "too-long", id=f"{example.name}:{'.'.join(option)}:too-long")
    if isinstance(value, str) and field.min_length is not None and field.min_length > 1:
        yield pytest.param(example, option, "too-short", id=f"{example.name}:{'.'.join(option)}:too-short")
    if field.type in ("int", "float") and field.maximum is not None:
        yield pytest.param(example, option, "too-big", id=f"{example.name}:{'.'.join(option)}:too-big")
    if field.type in ("int", "float") and field.minimum is not None:
        yield pytest.param(example, option, "too-small", id=f"{example.name}:{'.'.join(option)}:too-small")


def _objects(model: Model, value: dict[str, Any], trail: tuple) -> Iterator[tuple[tuple, Field]]:
    """Every object or list field set in ``value``, with its concrete path (list indices included)."""
    for field in model.fields:
        given = value.get(field.name)
        if given is None or field.model is None:
            continue
        yield trail + (field.name,), field
        for index, element in enumerate(given if field.is_list else [given]):
            yield from _objects(field.model, element, trail + ((field.name, index) if field.is_list else (field.name,)))


def _dotted(path: tuple) -> str:
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path).lstrip(".")


def _first_concrete(model: Model, message: dict[str, Any], option: tuple) -> tuple:
    """The first concrete path (list index 0 at every list) of an option path set in ``message``."""
    path: tuple = ()
    value: Any = message
    for name in option:
        field = model.get(name)
        assert field is not None
        path, value = path + (name,), value[name]
        if field.is_list and field.model is not None and name != option[-1]:
            index = next(index for index, element in enumerate(value) if _has(element, option[option.index(name) + 1:]))
            path, value = path + (index,), value[index]
        model = field.model or model
    return path


def _has(value: dict[str, Any], option: tuple) -> bool:
    for name in option:
        if not isinstance(value, dict) or value.get(name) is None:
            return False
        value = value[name]
        if isinstance(value, list):
            return any(_has(element, option[option.index(name) + 1:]) for element in value)
    return True


def _field_at(model: Model, option: tuple) -> Field:
    field = None
    for name in option:
        field = model.get(name)
        assert field is not None
        model = field.model or model
    assert field is not None
    return field


def _set(message: dict[str, Any], path: tuple, value: Any) -> None:
    target: Any = message
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def _mutated(field: Field, value: Any, how: str) -> Any:
    if how == "too-long":
        return ("https://x.example.com/" + "a" * field.max_length) if field.check == "url" else "a" * (field.max_length + 1)
    if how == "too-short":
        return "a" * (field.min_length - 1)
    if how == "too-big":
        return field.maximum + 1
    if how == "too-small":
        return field.minimum - 1
    count = field.max_length + 1 if field.max_length is not None else field.min_length - 1
    return [copy.deepcopy(value[0])] * count


@pytest.mark.parametrize(("example", "option", "how"), list(_limited()))
def test_every_limit_of_the_table_is_enforced(example: Example, option: tuple, how: str) -> None:
    model = CHANNEL_MODELS[example.channel]
    message = fresh(example.message)
    if how == "count":
        path = option
        field = _field_at(model, tuple(step for step in path if isinstance(step, str)))
        current = at_path(message, path)
    else:
        path = _first_concrete(model, message, option)
        field = _field_at(model, option)
        current = at_path(message, path)
    _set(message, path, _mutated(field, current, how))

    with pytest.raises(InputError) as refused:
        build(message)

    assert refused.value.option == f"messages[0].{_dotted(path)}", str(refused.value)


def _required() -> Iterator[Any]:
    for example in EXAMPLES:
        model = CHANNEL_MODELS[example.channel]
        for option, _wire, field, _value in leaves(model, example.message, (), ()):
            if field.required and field.name != "channel":
                yield pytest.param(example, option, id=f"{example.name}:{'.'.join(option)}")
        for path, field in _objects(model, example.message, ()):
            if field.required:
                yield pytest.param(example, tuple(step for step in path if isinstance(step, str)), id=f"{example.name}:{_dotted(path)}")


@pytest.mark.parametrize(("example", "option"), list(_required()))
def test_every_required_field_is_required(example: Example, option: tuple) -> None:
    message = fresh(example.message)
    path = _first_concrete(CHANNEL_MODELS[example.channel], message, option)
    _set(message, path, None)

    with pytest.raises(InputError) as refused:
        build(message)

    assert refused.value.option == f"messages[0].{_dotted(path)}"
    assert "is required" in str(refused.value)
