"""The admin's staff-account forms (the console's other forms: :mod:`.forms`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from ..models import Role
from .forms import EditForm, MultiCheckboxField, choices

ROLE_LABELS = {
    Role.ADMIN: _l("Admin: every event, staff accounts"),
    Role.FACILITATOR: _l("Facilitator: the workshops assigned"),
    Role.SECRETARIAT: _l("Secretariat: exports and the record"),
}


# Created before the role field, so that a new account's form asks them first.
_NAME = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
_EMAIL = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class AccountForm(EditForm):
    """Role and workshops of an account (the edit form)."""

    role = SelectField(
        _l("Role"),
        choices=choices(ROLE_LABELS.items()),
        default=Role.FACILITATOR.value,
    )
    workshops = MultiCheckboxField(_l("Workshops facilitated"), coerce=int)
    submit = SubmitField(_l("Save"))

    def offer(self, events, lang: str) -> None:
        """The workshop choices: ``[(event, [workshop, …]), …]``, labelled
        "event · workshop"."""
        self.workshops.choices = choices(
            (w.id, f"{event.title(lang)} · {w.title(lang)}")
            for event, workshops in events
            for w in workshops
        )


class NewAccountForm(AccountForm):
    fingerprint = None  # a create form: nothing to be stale against
    name = _NAME
    email = _EMAIL
    submit = SubmitField(_l("Create account"))
