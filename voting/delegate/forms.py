"""Forms of the delegate's pages (the ballot itself is a plain form, see routes)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from config import LANGUAGE_NAMES


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def code_field(label, missing, max_length: int) -> StringField:
    """A short code typed from a screen or a receipt: no autocorrect, capitals."""
    return StringField(
        label,
        validators=[
            DataRequired(message=missing),
            Length(max=max_length, message=_l("This code is too long.")),
        ],
        filters=[_strip],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "maxlength": max_length,
        },
    )


class CodeForm(FlaskForm):
    """First step of an open-mode join: the event code shown on the projector."""

    code = code_field(_l("Event code"), _l("Enter the event code."), 20)
    submit = SubmitField(_l("Continue"))


class DetailsForm(FlaskForm):
    """Second step of an open-mode join: who is voting, for which delegation."""

    code = HiddenField()
    name = StringField(
        _l("Your name"),
        validators=[
            DataRequired(message=_l("Enter your name.")),
            Length(max=200, message=_l("This name is too long.")),
        ],
        filters=[_strip],
        render_kw={"autocomplete": "name", "maxlength": 200},
    )
    delegation = SelectField(
        _l("Delegation"),
        validators=[DataRequired(message=_l("Choose your delegation."))],
        validate_choice=True,
    )
    #: Only when several workshops have open-mode polls: a walk-in sits in one.
    workshop = SelectField(
        _l("Workshop"),
        validators=[DataRequired(message=_l("Choose your workshop."))],
        validate_choice=True,
    )
    submit = SubmitField(_l("Join"))


class LanguageForm(FlaskForm):
    """The first screen after joining: the language of the ballot."""

    lang = RadioField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
        validators=[InputRequired(message=_l("Choose a language."))],
    )
    submit = SubmitField(_l("Continue"))


class ReceiptForm(FlaskForm):
    """The receipt check: a delegate confirms that their ballot is counted."""

    code = code_field(_l("Receipt code"), _l("Enter your receipt code."), 40)
    submit = SubmitField(_l("Check"))
