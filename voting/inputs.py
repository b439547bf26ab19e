"""One check for every piece of text a client sends.

Form fields, JSON bodies (nested values and keys) and uploaded text files
after decoding go through :func:`refuse_bad_text`: text with a character no
form of ours wants is a translated 400 before anything is stored. The
characters refused:

* NUL (PostgreSQL cannot store it in text; SQLite would keep it);
* lone surrogates U+D800–U+DFFF (``"\\ud800"`` in JSON: not encodable as
  UTF-8, a 500 on both databases);
* the non-characters U+FFFE, U+FFFF (and U+FDD0–U+FDEF), never text.
"""

from __future__ import annotations

import re

from flask import request
from flask_babel import gettext as _

from .errors import UserError

BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def has_bad_text(value) -> bool:
    """Whether ``value`` (a string, or lists/dicts of them) holds a bad character."""
    if isinstance(value, str):
        return BAD_CHARACTERS.search(value) is not None
    if isinstance(value, dict):
        return any(has_bad_text(k) or has_bad_text(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_bad_text(item) for item in value)
    return False


def refuse_bad_text(value) -> None:
    """A 400 (:class:`UserError`, translated, nothing stored) if ``value``
    holds a bad character."""
    if has_bad_text(value):
        raise UserError(
            _("The form contains an invalid character. Nothing was changed."), 400
        )


def check_request() -> None:
    """``before_request``: every form field (names too) and the JSON body."""
    if request.form:
        refuse_bad_text(list(request.form.items(multi=True)))
    if request.files:
        refuse_bad_text([f.filename or "" for _, f in request.files.items(multi=True)])
    if request.is_json and request.content_length != 0:
        # Parsed once here, cached for the view; a malformed body is left
        # for the view's own get_json to refuse.
        refuse_bad_text(request.get_json(silent=True))
