"""Text from outside the app (a server's message, a party's words, a file's name) made safe to
show, in one place.

Two rules, one per source. A server's message is shown as printable ASCII, shortened and
labelled as the server's, and kept whole only in the log (:func:`untrusted_text`). A party's
text keeps its letters in any script, but every invisible, bidirectional or control character
is shown as a ``\\uXXXX`` escape, so nothing can hide, reorder or fake what is around it
(:func:`display_name` for one line, :func:`party_text` for several).
"""

from __future__ import annotations

import logging
import unicodedata

log = logging.getLogger(__name__)

# Bidirectional overrides, embeddings and isolates, directional marks, zero-width characters
# and the byte-order mark: each can hide or reorder the text around it.
INVISIBLE = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    "\u200b\u200c\u200d\u2060\ufeff"
)


def hidden(c: str) -> bool:
    """Whether character ``c`` is invisible, bidirectional or a control character."""
    return c in INVISIBLE or unicodedata.category(c)[0] == "C"


def display_name(name: str, max_chars: int = 120) -> str:
    """One line of party text for showing: hidden characters made visible as escapes,
    shortened to ``max_chars`` with an ellipsis."""
    shown = "".join(f"\\u{ord(c):04x}" if hidden(c) else c for c in name[:max_chars])
    return shown + ("…" if len(name) > max_chars else "")


def party_text(text: str, limit: int = 2000) -> str:
    """Several lines of party text: each line as :func:`display_name`, line breaks kept."""
    return "\n".join(display_name(line, limit) for line in text.splitlines())


def untrusted_text(text: str, limit: int = 120) -> str:
    """A server's message made safe to show: printable ASCII, truncated and labelled.

    The full text goes to the log only.

    :param text: what the server sent
    :param limit: the most characters shown
    """
    log.info("server text: %r", text)
    clean = "".join(c if " " <= c <= "~" else "?" for c in text.strip())
    if len(clean) > limit:
        clean = clean[:limit] + "..."
    return f'server said: "{clean}"'
