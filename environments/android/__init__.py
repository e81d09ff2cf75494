"""Android phones over adb (adbutils against a real adb server)."""

from environments.android.device import AdbSettings
from environments.android.environment import AndroidEnvironment, AndroidSettings

__all__ = ["AdbSettings", "AndroidEnvironment", "AndroidSettings"]
