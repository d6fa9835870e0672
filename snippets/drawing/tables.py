"""Markdown tables the pages print, shared by every chapter's drawing."""


def refusals(calls):
    """A table of wrong calls and what each says: `calls` is [(the call as text, a function that
    makes it)]. Each must raise a ValueError or TypeError; the table shows its type and message."""
    rows = ["| the call | what it says |", "|---|---|"]
    for text, call in calls:
        try:
            call()
        except (ValueError, TypeError) as error:
            message = str(error).replace("|", "\\|")
            rows.append(f"| `{text}` | {type(error).__name__}: {message} |")
        else:
            raise AssertionError(f"{text} was accepted")
    return "\n".join(rows)
