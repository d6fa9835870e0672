"""Markdown tables the pages print, shared by every chapter's drawing."""

from snippets.drawing.numbers import minus_numbers


def refusals(calls):
    """A table of wrong calls and what each says: `calls` is [(the call as text, a function that
    makes it)]. Each must raise a ValueError or TypeError; the table shows its type and message,
    with a true minus sign on its negative numbers (the call, in code, keeps Python's)."""
    rows = ["| the call | what it says |", "|---|---|"]
    for text, call in calls:
        try:
            call()
        except (ValueError, TypeError) as error:
            message = minus_numbers(error).replace("|", "\\|")
            rows.append(f"| `{text}` | {type(error).__name__}: {message} |")
        else:
            raise AssertionError(f"{text} was accepted")
    return "\n".join(rows)
