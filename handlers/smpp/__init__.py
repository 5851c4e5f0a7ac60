"""SMS over SMPP 3.4: the outbox adapter (``adapter``), the session with the SMSC (``link``), its
pace (``throttle``) and its settings (``settings``)."""

from handlers.smpp.adapter import SmppSmsAdapter
from handlers.smpp.settings import SmppSettings, settings_from_config

__all__ = ["SmppSettings", "SmppSmsAdapter", "settings_from_config"]
