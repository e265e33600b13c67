"""The channels app: how problems arrive (email, phone, chat, monitoring alerts) and become
cases, every input stored before it is parsed so that nothing is ever lost."""

from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    """Raw inbound input, the channel parsers and the one intake service."""

    name = "casework.channels"
    label = "intake"  # "channels" is the name of Django Channels' app, if it is ever added
    verbose_name = "Intake channels"

    def ready(self) -> None:
        """Register every installed channel (each module calls ``channel_register``)."""
        import casework.channels.alertmanager
        import casework.channels.chat
        import casework.channels.email
        import casework.channels.phone.channel  # noqa: F401
