"""Column types shared by the models."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class Quantity(TypeDecorator[Decimal]):
    """An exact decimal quantity that keeps the precision it was written with.

    PostgreSQL's unconstrained NUMERIC keeps '4094380.30' as written. SQLite has no decimal
    type and would round-trip through a float, so there the text of the decimal is stored.
    """

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(64))
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = value if isinstance(value, Decimal) else Decimal(str(value))
        if not value.is_finite():
            raise ValueError(f"not a finite quantity: {value}")
        return str(value) if dialect.name == "sqlite" else value

    def compare_values(self, x: Any, y: Any) -> bool:
        # 1.50 and 1.5 are equal numbers but different figures: a change of written precision is a change.
        return x is y or (x is not None and y is not None and str(x) == str(y))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value)) if not isinstance(value, Decimal) else value
