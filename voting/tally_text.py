"""The tally command's words in the reader's language, without Flask.

``flask tally`` and ``prioriza-tally`` print through the app's catalogues
(``translations/<lang>/LC_MESSAGES/messages.mo``, compiled by the set-up),
read with the standard library's :mod:`gettext`: no Flask, no Babel import,
so the command still starts fast. The language is ``--lang``, else the
first of ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` that is set
(``es_ES.UTF-8`` gives ``es``), else English; a missing catalogue means
English.

The counting package (:mod:`voting.aggregation`) stays English: its captions
are msgids (:data:`~voting.aggregation.report.TEXT_LABELS`), its method
labels, tie conventions and score meanings are the msgids of
:mod:`voting.presentation.labels`, and its composed sentences (notes, why no
winner) are matched against the templates of :data:`PACKAGE_SENTENCES`.
Unknown text is printed as the package wrote it. JSON stays English: keys
and values are the machine-readable record.
"""

from __future__ import annotations

import gettext as _gettext
import os
import re
from pathlib import Path

from voting.aggregation import METHODS
from voting.aggregation.report import TEXT_LABELS, format_ranking, format_tally_text

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
LANGUAGES = ("es", "en", "pt", "fr")
ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_catalogue = _gettext.NullTranslations()


def N_(text):
    """Marks a msgid for extraction (pybabel's ``N_`` keyword)."""
    return text


def language_from_environment(environ=None):
    """``es``/``en``/``pt``/``fr`` from the first locale variable that is set
    (``LANGUAGE`` may list several, ``pt:fr``); English when none is set or
    the one set names another language (``C.UTF-8``, ``de_DE``)."""
    environ = os.environ if environ is None else environ
    for name in ENVIRONMENT:
        value = environ.get(name, "")
        if not value:
            continue
        for part in value.split(":"):
            code = re.split(r"[_.@-]", part.strip(), maxsplit=1)[0].lower()
            if code in LANGUAGES:
                return code
        if name != "LANGUAGE":
            return "en"
    return "en"


def use(lang):
    """Print in ``lang`` from now on (English if its catalogue is missing)."""
    global _catalogue
    _catalogue = _gettext.translation(
        "messages", TRANSLATIONS, languages=[lang], fallback=True
    )


def _(msgid, **variables):
    """The translation of ``msgid``, ``%``-formatted with ``variables``."""
    text = _catalogue.gettext(msgid)
    return text % variables if variables else text


def ngettext(singular, plural, num, **variables):
    """Singular or plural by ``num`` (``%(num)d`` in the msgids)."""
    return _catalogue.ngettext(singular, plural, num) % dict(variables, num=num)


#: The counting package's composed sentences, as msgids whose English text
#: is exactly what the package writes (its f-strings' fields as ``%(..)s``).
PACKAGE_SENTENCES = (
    N_("tie: %(options)s share first place"),
    N_(
        "the result is approximate (see the notes) and does not prove which "
        "option is first"
    ),
    N_("no options"),
    N_(
        "%(m)s options exceed the exact limit of %(limit)s: the ranking comes "
        "from a local search and may not be optimal."
    ),
    N_(
        "%(m)s options exceed the exact limit of %(limit)s: the ranking comes "
        "from a local search and may not be optimal; the search stopped at its "
        "time budget of %(budget)s s."
    ),
    N_(
        "Round %(round)s: %(names)s tied for elimination; the declared "
        "tie-break eliminated %(option)s."
    ),
    N_("Round %(round)s: %(names)s tied in the final count and share first place."),
    N_("Round %(round)s: %(names)s tied for elimination and were eliminated together."),
    N_(
        "Round %(round)s: %(names)s tied for elimination; by the declared "
        "earlier-rounds tie-break, round %(earlier)s counts eliminated %(option)s."
    ),
    N_(
        "The tie decided the winner: eliminating the tied options one at a time "
        "elects %(names)s depending on the order; they share first place."
    ),
    N_(
        "%(pairs)s pairs of margin %(margin)s exceeded the search bound of "
        "%(bound)s; they and every later group of equal margins that needed a "
        "choice were locked in the order of Borda score, then seed 0."
    ),
    N_(
        "Equal margins gave %(universes)s different outcomes depending on the "
        "locking order; options ordered differently by them are tied."
    ),
    N_("The declared tie-break separated tied options."),
    N_(
        "%(m)s options exceed the exact limit of %(limit)s and the approximation "
        "was refused; the methods that apply at %(m)s options: %(methods)s"
    ),
    N_(
        "Declared tie-break: earlier rounds (a tie for elimination goes to the "
        "option with fewer votes in the latest earlier round where the counts "
        "differ)."
    ),
    N_(
        "The declared earlier-rounds tie-break applies to instant-runoff only; "
        "ties here are reported."
    ),
    N_(
        "Declared tie-break: remaining ties are ordered by Borda score, then by "
        "a shuffle seeded with %(seed)d."
    ),
)
#: The steps long computations report (their progress bars' captions).
PROGRESS_STEPS = (
    N_("pairwise matrix"),
    N_("links"),
    N_("strongest paths"),
    N_("locking pairs"),
    N_("search"),
    N_("local search"),
)
_FIELD = re.compile(r"%\((\w+)\)([sd])")


def _pattern(msgid):
    parts, at, seen = [], 0, set()
    for f in _FIELD.finditer(msgid):
        parts.append(re.escape(msgid[at : f.start()]))
        if f[1] in seen:  # the same field again: the same text
            parts.append(rf"(?P={f[1]})")
        else:
            parts.append(rf"(?P<{f[1]}>-?\d+)" if f[2] == "d" else rf"(?P<{f[1]}>.+?)")
        seen.add(f[1])
        at = f.end()
    parts.append(re.escape(msgid[at:]))
    return re.compile("".join(parts), re.DOTALL)


_PATTERNS = [(_pattern(s), s) for s in PACKAGE_SENTENCES]


def package_text(text):
    """A text of the counting package in the current language.

    Exact msgids (labels, conventions, score meanings), then the templates of
    :data:`PACKAGE_SENTENCES`, then a tie convention followed by the declared
    tie-break's sentence; anything else is returned as it is.
    """
    if not text:
        return text
    found = _catalogue.gettext(text)
    if found != text:
        return found
    for pattern, msgid in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            fields = {
                k: int(v)
                if re.fullmatch(r"-?\d+", v) and "%(" + k + ")d" in msgid
                else v
                for k, v in match.groupdict().items()
            }
            return _(msgid, **fields)
    for spec in METHODS.values():
        head = spec.tie_convention + " "
        if text.startswith(head) and len(text) > len(head):
            return (
                package_text(spec.tie_convention)
                + " "
                + package_text(text[len(head) :])
            )
    return text


def labels():
    """The captions of the text output in the current language."""
    return {key: _(msgid) for key, msgid in TEXT_LABELS.items()}


def method_label(name):
    """A method's display label in the current language."""
    return package_text(METHODS[name].label) if name in METHODS else name


def render_text(data, title, source, names, tallies, failures, top, agreement, cons):
    """The ``--format text`` output: the file, each method, agreement, consensus.

    ``names`` are the methods in order; ``failures`` their one-line errors;
    ``agreement`` is :func:`~voting.aggregation.consensus.method_agreement`'s
    table (or None for a single method) and ``cons`` the consensus report.
    """
    lines = [
        _(
            "%(title)s: %(voters)s, %(options)s (%(data_type)s), sha256 %(sha)s",
            title=title,
            voters=ngettext("%(num)d voter", "%(num)d voters", source["voters"]),
            options=ngettext("%(num)d option", "%(num)d options", len(data.options)),
            data_type=data.data_type,
            sha=source["sha256"],
        )
    ]
    captions = labels()
    for n in names:
        if n in tallies:
            text = format_tally_text(tallies[n], data.names, captions, package_text)
            lines += ["", text]
        else:
            lines += ["", failures[n]]
    if agreement is not None:
        lines += ["", _("Method agreement (top %(k)s same / Kendall tau-b):", k=top)]
        same, differ, vs = _("same"), _("differ"), _("vs")
        width = max(len(same), len(differ))
        for pair in agreement["pairs"]:
            tau = pair["kendall_tau"]
            lines.append(
                f"  {pair['a']:>12} {vs} {pair['b']:<12} "
                f"{same if pair['top_k_same'] else differ:<{width}} "
                f"tau {'-' if tau is None else f'{tau:.3f}'}"
            )
        lines.append(
            "  "
            + _("top")
            + ": "
            + " | ".join(
                f"{n}: {format_ranking(t.ranking, data.names, top)}"
                for n, t in tallies.items()
            )
        )
    w, pv = cons["kendall_w"], cons["p_value"]
    share = cons["supermajority_share"]
    text = _("Consensus") + ": Kendall's W " + ("-" if w is None else f"{w:.4f}")
    if pv is not None:
        text += f" (p = {pv:.3g})"
    if share is not None:
        text += ", " + _("pairs decided by >= 2/3") + f": {share:.0%}"
    lines += ["", text]
    return "\n".join(lines)
