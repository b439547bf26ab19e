"""Database models for the glossary of PRODUCT.md, one module per area.

- :mod:`.base`: time, tokens, join codes, localized texts, enums;
- :mod:`.events`: events, workshops, polls, options, rounds;
- :mod:`.people`: staff accounts, delegations, participants;
- :mod:`.ballots`: ballots, idempotency keys;
- :mod:`.audit`: the append-only audit log, a hash chain per event;
- :mod:`.adoption`: proposals and consent answers.

Every name is re-exported here: import models from ``voting.models``.
"""

from .adoption import ConsentAnswer, Proposal
from .audit import AuditEntry, AuditHead
from .ballots import Ballot, IdempotencyKey
from .base import (
    CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    Role,
    RoundStatus,
    Weighting,
    derive_join_code,
    hash_join_code,
    hash_token,
    localized,
    new_code,
    new_token,
    normalise_join_code,
    utcnow,
)
from .events import (
    Event,
    Option,
    Poll,
    PublishedTally,
    Round,
    RoundCounter,
    Workshop,
    workshop_facilitator,
)
from .people import Account, Delegation, Participant

__all__ = [
    "CODE_ALPHABET",
    "JOIN_CODE_LENGTH",
    "Account",
    "AuditEntry",
    "AuditHead",
    "Ballot",
    "ConsentAnswer",
    "Delegation",
    "Event",
    "IdempotencyKey",
    "Option",
    "Participant",
    "Poll",
    "PublishedTally",
    "Proposal",
    "Role",
    "Round",
    "RoundCounter",
    "RoundStatus",
    "Weighting",
    "Workshop",
    "derive_join_code",
    "hash_join_code",
    "hash_token",
    "localized",
    "new_code",
    "new_token",
    "normalise_join_code",
    "utcnow",
    "workshop_facilitator",
]
