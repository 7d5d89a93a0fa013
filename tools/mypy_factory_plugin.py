"""A mypy plugin: calling a factory_boy factory gives the model it builds.

factory_boy creates the row in its metaclass's `__call__`, which is not annotated, so mypy takes
`AccountFactory()` for an instance of the factory and every test that passes it to a service
fails to type-check. With this plugin, `XFactory(...)` has the type `T` of
`DjangoModelFactory[T]`, or `Any` for a factory that does not name its model.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.plugin import FunctionContext, Plugin
from mypy.types import AnyType, Instance, Type, TypeOfAny, get_proper_type

BASE_FACTORY = "factory.base.BaseFactory"


def _built_model(ctx: FunctionContext) -> Type:
    made = get_proper_type(ctx.default_return_type)
    if not isinstance(made, Instance):
        return ctx.default_return_type
    for base in made.type.mro:
        if base.fullname == BASE_FACTORY:
            mapped = _map_to(made, BASE_FACTORY)
            if mapped is not None and mapped.args:
                return mapped.args[0]
            return AnyType(TypeOfAny.special_form)
    return ctx.default_return_type


def _map_to(instance: Instance, fullname: str) -> Instance | None:
    from mypy.maptype import map_instance_to_supertype

    for base in instance.type.mro:
        if base.fullname == fullname:
            return map_instance_to_supertype(instance, base)
    return None


class FactoryPlugin(Plugin):
    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        symbol = self.lookup_fully_qualified(fullname)
        node = symbol.node if symbol else None
        info = getattr(node, "mro", None)
        if info and any(base.fullname == BASE_FACTORY for base in info):
            return _built_model
        return None


def plugin(version: str) -> type[Plugin]:
    return FactoryPlugin
