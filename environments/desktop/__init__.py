"""The X11 desktop: a private virtual display (or an attached one), mss, pyautogui, xdotool."""

from environments.desktop.display import VirtualDisplay
from environments.desktop.environment import DesktopEnvironment, DesktopSettings
from environments.desktop.windows import WindowInfo

__all__ = ["DesktopEnvironment", "DesktopSettings", "VirtualDisplay", "WindowInfo"]
