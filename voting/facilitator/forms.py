"""Console forms. Texts entered per language get one field per app language;
templates show only the event's languages (see :func:`texts`)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Length,
    Optional,
    Regexp,
)
from wtforms.widgets import CheckboxInput, ListWidget

from config import LANGUAGES


def add_translated(cls, prefix: str, label, max_length: int, area: bool = False):
    """Add ``<prefix>_<lang>`` fields for every app language to a form class."""
    kind = TextAreaField if area else StringField
    cls.translated = (*cls.translated, prefix)
    for lang in LANGUAGES:
        setattr(
            cls,
            f"{prefix}_{lang}",
            kind(label, validators=[Optional(), Length(max=max_length)]),
        )
    return cls


def texts(form, prefix: str) -> dict[str, str]:
    """The ``{lang: text}`` entered in the ``prefix`` fields of ``form``."""
    return {lang: form[f"{prefix}_{lang}"].data or "" for lang in LANGUAGES}


def fill_texts(form, prefix: str, values: dict | None) -> None:
    """Pre-fill the ``prefix`` fields from a ``{lang: text}`` dict."""
    for lang in LANGUAGES:
        form[f"{prefix}_{lang}"].data = (values or {}).get(lang, "")


def choices(pairs) -> list[SelectChoice]:
    """``[(value, label)]`` → WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def radio(label, pairs, default: str, description: str = "") -> RadioField:
    """A radio group of ``[(value, label)]``."""
    return RadioField(
        label, choices=choices(pairs), default=default, description=description
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConsoleForm(FlaskForm):
    #: Prefixes of the per-language fields, e.g. ``("title", "description")``.
    translated: tuple[str, ...] = ()
    #: Whether the texts in the event's first language are required.
    first_language_required = True

    def translated_prefixes(self) -> tuple[str, ...]:
        """The prefixes of the per-language fields (for templates)."""
        return self.translated


class EditForm(ConsoleForm):
    """A form that edits an existing object (or creates one: then the view
    drops ``fingerprint``). ``fingerprint`` is what the object was when the
    form was rendered (:func:`voting.setup.fingerprint`): a save over a
    change made meanwhile is refused (409), see ``views.common.form_page``."""

    fingerprint = HiddenField()


class ActionForm(FlaskForm):
    """A button that changes state (CSRF only)."""


def slug_field() -> StringField:
    """An event's short name, as its links spell it."""
    return StringField(
        _l("Short name (in links)"),
        validators=[
            Optional(),
            Length(max=80),
            Regexp(r"^[a-z0-9-]*$", message=_l("Lower-case letters, digits, -.")),
        ],
    )


class EventForm(EditForm):
    slug = slug_field()
    languages = StringField(
        _l("Languages"),
        default="es,en",
        description=_l("Codes separated by commas; the first is the fallback."),
        validators=[DataRequired(), Length(max=40)],
    )
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


add_translated(EventForm, "name", _l("Name"), 200)


class NewEventForm(EventForm):
    workshop = StringField(
        _l("First workshop"),
        description=_l("You become its facilitator."),
        validators=[Optional(), Length(max=200)],
    )


class WorkshopForm(EditForm):
    facilitators = MultiCheckboxField(_l("Facilitators"), coerce=int, choices=[])
    submit = SubmitField(_l("Save"))


add_translated(WorkshopForm, "name", _l("Name"), 200)


class OptionForm(EditForm):
    first_language_required = False
    key = StringField(
        _l("Key"),
        description=_l(
            "Shared by the same area in every poll (plenary pooling). "
            "Left empty, it is made from the title."
        ),
        validators=[Optional(), Length(max=60)],
    )
    submit = SubmitField(_l("Save"))


def reason_field() -> TextAreaField:
    """The reason for changing option texts once a poll has ballots (the view
    removes it before the first ballot; the service requires it after)."""
    return TextAreaField(
        _l("Reason for the correction"),
        description=_l(
            "Ballots have been cast: say why the text changes. The record lists "
            "the correction with the old and the new text."
        ),
        validators=[Optional(), Length(max=500)],
    )


def confirm_open_field() -> BooleanField:
    """A rewording while delegates vote must be confirmed (the view removes
    the field when no round is open)."""
    return BooleanField(
        _l("Delegates are voting now: reword the options anyway"),
        validators=[
            DataRequired(
                message=_l(
                    "A round is open: tick the box to confirm that delegates see "
                    "the new wording while they vote."
                )
            )
        ],
    )


add_translated(OptionForm, "title", _l("Title"), 300)
add_translated(OptionForm, "description", _l("Description"), 2000, area=True)
OptionForm.reason = reason_field()
OptionForm.confirm_open = confirm_open_field()


class BulkOptionsForm(EditForm):
    first_language_required = False
    mode = radio(
        _l("What the lines are"),
        [
            ("append", _l("New options, added at the end")),
            ("translate", _l("Titles of the existing options, in order")),
        ],
        "append",
    )
    submit = SubmitField(_l("Add"))


add_translated(BulkOptionsForm, "lines", _l("One option per line"), 20000, area=True)
BulkOptionsForm.reason = reason_field()
BulkOptionsForm.confirm_open = confirm_open_field()


class DelegationForm(EditForm):
    code = StringField(
        _l("Code"),
        description=_l("E.g. CHL; left empty, it is made from the name."),
        validators=[Optional(), Length(max=12)],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Save"))


class ParticipantForm(EditForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    delegation = SelectField(_l("Delegation"), coerce=int, choices=[])
    workshop = SelectField(_l("Workshop"), coerce=int, choices=[])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    language = SelectField(_l("Language"), choices=[])
    submit = SubmitField(_l("Save"))


class ImportForm(ConsoleForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileAllowed(["csv", "txt"], _l("A .csv file, please."))],
    )
    text = TextAreaField(
        _l("…or paste the lines"), validators=[Optional(), Length(max=200_000)]
    )
    workshop = SelectField(
        _l("Workshop of the imported participants"), coerce=int, choices=[]
    )
    submit = SubmitField(_l("Import"))


class BadgeForm(ConsoleForm):
    participants = MultiCheckboxField(_l("Participants"), coerce=int, choices=[])
    format = radio(
        _l("Format"), [("html", _l("Printable page")), ("pdf", _l("PDF"))], "html"
    )
    submit = SubmitField(_l("Print badges"))
    #: Replace the links (the printed ones stop working): asks first.
    reissue = SubmitField(_l("Reissue links…"))
    confirmed = HiddenField()


class AmendError(ValueError):
    """An amendment form that cannot be read; the message is translated."""


def amended_list(formdata, items: list[list[int]]) -> tuple[list[list[int]], int]:
    """Read the no-script amendment form of a proposal's ``items``.

    Each row ``i`` (an item of the previous proposal) has ``position-<i>``
    (its new place, 1 … n, each used once) and ``merge-<i>`` (join the item
    just above it in the new order); ``cut`` counts the items after merging.
    Raises :class:`AmendError` with a message for the facilitator.
    """
    n = len(items)
    positions = []
    for i in range(n):
        raw = (formdata.get(f"position-{i}") or "").strip()
        if not raw.isdigit() or not 1 <= int(raw) <= n:
            raise AmendError(_("Each position must be a number from 1 to %(n)d.", n=n))
        positions.append(int(raw))
    if len(set(positions)) != n:
        raise AmendError(_("Each position number may be used only once."))
    order = sorted(range(n), key=lambda i: positions[i])
    amended: list[list[int]] = []
    for i in order:
        if formdata.get(f"merge-{i}"):
            if not amended:
                raise AmendError(
                    _("The first item has no item above it to merge with.")
                )
            amended[-1] = amended[-1] + list(items[i])
        else:
            amended.append(list(items[i]))
    raw_cut = (formdata.get("cut") or "").strip()
    if not raw_cut.isdigit():
        raise AmendError(_("The cut must be between 0 and the number of items."))
    return amended, int(raw_cut)


class DuplicatePollForm(ConsoleForm):
    """Where a copy of a poll goes: ``w<id>`` a workshop, ``e<id>`` an
    event's plenary."""

    target = RadioField(_l("Copy into"), validators=[DataRequired()])
    submit = SubmitField(_l("Duplicate the poll"))


class EventFromForm(ConsoleForm):
    name = StringField(
        _l("Name of the new event"), validators=[DataRequired(), Length(max=300)]
    )
    slug = slug_field()
    submit = SubmitField(_l("Create the event"))
