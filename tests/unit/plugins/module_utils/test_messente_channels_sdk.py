# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The channel table against Messente's own SDK (messente-api 2.7.0, OpenAPI document 2.1.0), a test-only dependency.

Two things are checked. Every body the module builds is exactly what the SDK model serializes it to (what the
official client would send), once the SDK's padding is taken off: it writes ``null`` for optional fields that were
not given, which the schema declares nullable, so they mean nothing. And the table has the SDK's field names,
nesting, types, required fields, enum values and limits, model by model, read from the models' JSON schema.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ansible_collections.messente.omnichannel.plugins.module_utils._channels import CHANNEL_MODELS, Field, Model
from ansible_collections.messente.omnichannel.plugins.module_utils._omnimessage import build_channel_messages, build_omnimessage
from ansible_collections.messente.omnichannel.tests.unit.plugins.module_utils.channel_examples import EXAMPLES, Example

messente_api = pytest.importorskip("messente_api", reason="the SDK comparison needs messente-api==2.7.0 (tests/unit/requirements.txt)")

TO = "+37251234567"
WHEN = "2030-06-22T09:00:00+00:00"
SCHEMA_TYPES = {"string": "str", "integer": "int", "boolean": "bool", "array": "list", "object": "dict"}


def without_nulls(value: Any) -> Any:
    """The SDK's serialization without the nulls it writes for every optional field that was not given."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def sdk_wire(body: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """What the official client sends for ``body``: parse with the SDK model, serialize as its ApiClient does."""
    model = messente_api.Omnimessage.from_dict(body)
    return model, json.loads(json.dumps(messente_api.ApiClient().sanitize_for_serialization(model)))


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.name for example in EXAMPLES])
def test_every_body_is_exactly_what_the_sdk_model_serializes(example: Example) -> None:
    body = build_omnimessage(TO, build_channel_messages([json.loads(json.dumps(example.message))], None, None), WHEN, {})

    model, wire = sdk_wire(body)

    assert type(model.messages[0].actual_instance).__name__ == CHANNEL_MODELS[example.channel].sdk_name
    assert without_nulls(wire) == body
    assert not model.messages[0].actual_instance.additional_properties, "a field the SDK model does not know was sent"


def test_a_whatsapp_text_without_preview_url_leaves_messentes_default() -> None:
    """The SDK writes its default preview_url: true; the module leaves it out, which means the same to Messente."""
    body = build_omnimessage(TO, build_channel_messages([{"channel": "whatsapp", "text": "Hi"}], None, None), WHEN, {})

    wire = sdk_wire(body)[1]

    assert body["messages"][0]["text"] == {"body": "Hi"}
    assert wire["messages"][0]["text"] == {"preview_url": True, "body": "Hi"}


def test_send_now_is_a_body_without_time_to_send_that_the_sdk_accepts() -> None:
    body = build_omnimessage(TO, build_channel_messages(None, "Now", None), None, {})

    wire = sdk_wire(body)[1]

    assert "time_to_send" not in body
    assert without_nulls(wire) == body == {"to": TO, "messages": [{"channel": "sms", "text": "Now"}]}


# --- the table is the SDK's models ---------------------------------------------------------------------------------

def _models(model: Model, seen: dict[int, Model]) -> dict[int, Model]:
    seen[id(model)] = model
    for field in model.fields:
        if field.model is not None:
            _models(field.model, seen)
    return seen


ALL_MODELS = list({key: model for channel in CHANNEL_MODELS.values() for key, model in _models(channel, {}).items()}.values())


def _schema(sdk_name: str) -> dict[str, Any]:
    return getattr(messente_api, sdk_name).model_json_schema()


def _property(schema: dict[str, Any], name: str) -> dict[str, Any]:
    """A property's schema without the ``anyOf [..., null]`` an optional field wraps it in."""
    found = schema["properties"][name]
    options = [option for option in found.get("anyOf", [found]) if option.get("type") != "null"]
    if len(options) == 1:
        return {**found, **options[0]}
    assert {option.get("type") for option in options} == {"number", "integer"}, (name, found)
    return {**found, "type": "number"}


def _ref(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def _wire_fields(model: Model) -> dict[str, Field]:
    """The model's fields by the JSON name they fill; WhatsApp's text and preview_url fill the text object."""
    return {field.path[0]: field for field in model.fields}


@pytest.mark.parametrize("model", ALL_MODELS, ids=[f"{model.sdk_name}:{index}" for index, model in enumerate(ALL_MODELS)])
def test_every_table_model_has_the_sdk_models_fields_and_required_ones(model: Model) -> None:
    schema = _schema(model.sdk_name)

    assert set(_wire_fields(model)) == set(schema["properties"]) - {"additional_properties"}
    required_by_sdk = set(schema.get("required", []))
    required_here = {name for name, field in _wire_fields(model).items() if field.required}
    assert required_by_sdk <= required_here, "a field the SDK requires is optional in the table"


def _check_field(field: Field, prop: dict[str, Any], defs: dict[str, Any]) -> None:
    ref = _ref(prop)
    if ref is not None and "enum" in defs.get(ref, {}):
        assert (field.type, list(field.choices)) == ("str", defs[ref]["enum"]), field.name
        return
    wanted = "dict" if "$ref" in prop else "float" if prop["type"] == "number" else SCHEMA_TYPES[prop["type"]]
    assert field.type == wanted, field.name
    if field.model is not None:
        assert ref == field.model.sdk_name, field.name
    for sdk_key, ours in (("maxLength", field.max_length), ("maxItems", field.max_length)):
        if sdk_key in prop:
            assert ours == prop[sdk_key], f"{field.name}: the SDK allows at most {prop[sdk_key]}, the table {ours}"
    for sdk_key in ("minLength", "minItems"):
        if sdk_key in prop:
            assert field.min_length is not None and field.min_length >= prop[sdk_key], field.name


@pytest.mark.parametrize("model", ALL_MODELS, ids=[f"{model.sdk_name}:{index}" for index, model in enumerate(ALL_MODELS)])
def test_every_field_has_the_sdk_type_nesting_enum_and_limits(model: Model) -> None:
    schema = _schema(model.sdk_name)
    for name, field in _wire_fields(model).items():
        if len(field.path) == 2:  # WhatsApp's flat text and preview_url fill the SDK's WhatsAppText object
            nested = _schema("WhatsAppText")
            _check_field(field, _property(nested, field.path[1]), nested.get("$defs", {}))
        elif field.name == "channel":
            assert _property(schema, name).get("default") in CHANNEL_MODELS and list(field.choices) == list(CHANNEL_MODELS)
        else:
            _check_field(field, _property(schema, name), schema.get("$defs", {}))


def test_whatsapp_text_object_is_filled_completely() -> None:
    filled = {field.path[1] for field in CHANNEL_MODELS["whatsapp"].fields if len(field.path) == 2}

    assert filled == set(_schema("WhatsAppText")["properties"]) - {"additional_properties"}
