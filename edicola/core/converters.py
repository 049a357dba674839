"""The URL converter for database ids: `<id:name>` in every route of ours that takes one.

Django's `<int:...>` matches any run of digits, so `/commenti/articolo/9223372036854775808/`
reached the view and the database driver raised OverflowError (HTTP 500). An id here is a
positive 64-bit signed integer, the range of a BigAutoField; anything else does not match the
route, and the reader gets the ordinary 404. Importing this module registers the converter, so
each urls.py that uses `<id:...>` imports it first.
"""

from django.urls import register_converter

MAX_ID = 2**63 - 1


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(f"{value} is not a database id")
        return number

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(IdConverter, "id")
