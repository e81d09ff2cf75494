"""A virtual Android phone that the real adb server attaches to (`adb connect 127.0.0.1:PORT`).

`Phone` is the device (state, screen, shell, files); adbd.py speaks ADB's transport protocol for
it. See phone.py for what the phone offers.
"""

from environments.android.virtual_phone.phone import Phone, ShellResult

__all__ = ["Phone", "ShellResult"]
