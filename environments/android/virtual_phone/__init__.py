"""A virtual Android phone that the real adb server attaches to (`adb connect 127.0.0.1:PORT`).

`Phone` is the device (state, screen, shell, files); adbd.py speaks ADB's transport protocol for
it. See phone.py for what the phone offers and quirks.py for how it behaves like real phones.
"""

from environments.android.virtual_phone.phone import Phone, ShellResult
from environments.android.virtual_phone.quirks import Quirks

__all__ = ["Phone", "Quirks", "ShellResult"]
