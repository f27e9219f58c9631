"""consentmail: email campaigns whose tracking follows each recipient's consent."""

__version__ = "0.1.0"
