"""The qualified-majority field of the poll form: a fraction a person
understands ("Two thirds — 67%"), not a decimal to type."""

from __future__ import annotations

from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import ValidationError

#: The qualified majorities offered, as fractions a person reads at a glance.
THRESHOLDS = (
    (Fraction(1, 2), _l("Simple majority: at least half")),
    (Fraction(3, 5), _l("Three fifths")),
    (Fraction(2, 3), _l("Two thirds")),
    (Fraction(3, 4), _l("Three quarters")),
    (Fraction(4, 5), _l("Four fifths")),
    (Fraction(9, 10), _l("Nine tenths")),
)


def parse_threshold(raw) -> float | None:
    """ "2/3", "60 %", "60%", "0.6667" or "0,6" as a share; None if unreadable."""
    text = str(raw or "").strip().replace(",", ".").replace("\u00a0", " ")
    try:
        if text.endswith("%"):
            return float(text[:-1].strip()) / 100
        if "/" in text:
            top, bottom = text.split("/", 1)
            return float(Fraction(int(top), int(bottom)))
        return float(text)
    except (ValueError, ZeroDivisionError):
        return None


def threshold_key(value: float) -> str:
    """The choice key of a stored share: "2/3" for 0.666…"""
    fraction = Fraction(value).limit_denominator(12)
    if abs(float(fraction) - value) > 1e-3:
        return f"{value * 100:g}%"
    return f"{fraction.numerator}/{fraction.denominator}"


class ThresholdField(SelectField):
    """The qualified majority, chosen among fractions shown with their
    percentage ("Two thirds — 67%"); a typed "2/3", "60 %" or "0.6667" (an
    API client, an older form) is read too. ``number`` is the share."""

    def __init__(self, label=None, **kwargs):
        super().__init__(label, choices=[], default="2/3", **kwargs)

    def set_choices(self, percent, current: float | None = None) -> None:
        """Label the choices with ``percent(share)`` (the page's locale); a
        stored share that is not among them is offered as well."""
        choices = [
            (f"{f.numerator}/{f.denominator}", f"{label} — {percent(float(f))}")
            for f, label in THRESHOLDS
        ]
        if current is not None and threshold_key(current) not in dict(choices):
            choices.append((threshold_key(current), percent(current)))
        self.choices = choices

    @property
    def number(self) -> float | None:
        return parse_threshold(self.data)

    def pre_validate(self, form):
        number = self.number
        if number is None or not 0.5 <= number <= 1:
            raise ValidationError(
                _("Choose a qualified majority between half and all.")
            )
