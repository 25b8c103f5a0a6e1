"""The OpenAPI description of pydantic root models: the root type itself.

Litestar describes a ``RootModel`` as an object with a ``root`` property, the framework's
own wrapper, so a client generated from the document sends ``{"root": ...}`` and is
refused. The server reads the body itself, so the document must say just that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.openapi.spec import Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition
from pydantic import RootModel

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator


class RootModelSchemaPlugin(OpenAPISchemaPlugin):
    """Describes ``RootModel[T]`` as ``T``."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        annotation = field_definition.annotation
        return isinstance(annotation, type) and issubclass(annotation, RootModel)

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        root = field_definition.annotation.model_fields["root"]
        described = schema_creator.for_field_definition(
            FieldDefinition.from_annotation(root.annotation)
        )
        return described if isinstance(described, Schema) else Schema(all_of=[described])
