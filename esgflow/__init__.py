"""esgflow: ESG data collection, validation, consolidation and reporting."""

__version__ = "0.1.0"


class EsgflowError(Exception):
    """An error a user can act on; the CLI prints it as one line and exits non-zero.

    Where a refusal is also shown on a page (the office's review and sign-off), it carries its Chinese
    words too, so that a Chinese page says it in Chinese (`said`).
    """

    def __init__(self, message: str = "", zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh

    def said(self, lang: str) -> str:
        """The refusal in a language: its Chinese words on a Chinese page where it has them, else as raised."""
        return self.zh if lang == "zh" and self.zh else str(self)
