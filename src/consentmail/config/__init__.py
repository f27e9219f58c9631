"""Settings from the environment (CONSENTMAIL_*), with an embedded default."""

from consentmail.config.settings import Settings, load_settings

__all__ = ["Settings", "load_settings"]
