"""The one exception type the CLI turns into a plain sentence and an exit code."""


class UserError(Exception):
    """Something the user can fix; the message is a sentence saying what and how."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
