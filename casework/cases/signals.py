"""Signals the cases app sends, for apps that build on cases without cases knowing them."""

from django.dispatch import Signal

# Sent inside case_open's transaction once the case and its clocks are written:
# ``sender=Case, case=<Case>, at=<datetime>``. The status app suggests incident links on it.
case_opened = Signal()
