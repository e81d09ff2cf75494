"""Settings (com.android.settings/.Settings): one long list of switches and entries.

Every switch reads and writes the settings provider (`SystemSettings`), so a tap here is visible
to `settings get` and a `settings put` shows here. Entries without a switch open a page of
read-only facts (About phone, Storage, ...). The list is longer than the screen, so reaching
About phone takes a swipe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from environments.android.virtual_phone.apps.base import App
from environments.android.virtual_phone.system_settings import SystemSettings
from environments.android.virtual_phone.ui import Node, Rect
from environments.android.virtual_phone.widgets import (
    Context,
    Row,
    app_bar,
    header,
    list_row,
    scroll_list,
)

Summary = Callable[[SystemSettings], str]


@dataclass(frozen=True)
class Toggle:
    title: str
    namespace: str
    key: str
    on: str = "On"
    off: str = "Off"

    def is_on(self, settings: SystemSettings) -> bool:
        if (self.namespace, self.key) == ("secure", "ui_night_mode"):
            return settings.dark
        return settings.flag(self.namespace, self.key)


@dataclass(frozen=True)
class Entry:
    title: str
    summary: Summary
    facts: tuple[tuple[str, Summary], ...] = ()


def _fixed(text: str) -> Summary:
    return lambda _settings: text


def _brightness(settings: SystemSettings) -> str:
    try:
        level = int(settings.get("system", "screen_brightness") or "0")
    except ValueError:
        level = 0
    return f"{round(level / 255 * 100)}%"


def _wifi_summary(settings: SystemSettings) -> str:
    return "VirtualNet" if settings.wifi else "Off"


SECTIONS: tuple[tuple[str, tuple[Toggle | Entry, ...]], ...] = (
    (
        "Network & internet",
        (
            Toggle("Wi-Fi", "global", "wifi_on", on="Connected to VirtualNet"),
            Toggle("Airplane mode", "global", "airplane_mode_on"),
            Toggle("Bluetooth", "global", "bluetooth_on"),
            Toggle("Mobile data", "global", "mobile_data", on="Virtual Mobile"),
            Entry("Hotspot & tethering", _fixed("Off")),
        ),
    ),
    (
        "Display & sound",
        (
            Toggle("Dark theme", "secure", "ui_night_mode"),
            Toggle("Auto-rotate screen", "system", "accelerometer_rotation"),
            Entry("Brightness level", _brightness, (("Brightness level", _brightness),)),
            Toggle("Do Not Disturb", "global", "zen_mode"),
            Entry("Sound & vibration", _fixed("Ring volume at 80%")),
        ),
    ),
    (
        "Device",
        (
            Toggle("Battery Saver", "global", "low_power"),
            Entry("Battery", _fixed("85%"), (("Battery level", _fixed("85%")),)),
            Toggle("Location", "secure", "location_mode", on="On - 3 apps have access"),
            Entry(
                "Storage",
                _fixed("34% used - 84.5 GB free"),
                (("Used", _fixed("43.5 GB")), ("Total", _fixed("128 GB"))),
            ),
            Entry("Apps", _fixed("Recent apps, default apps")),
            Entry("Notifications", _fixed("Notification history, conversations")),
            Entry("Security & privacy", _fixed("App security, device lock, permissions")),
            Entry("System", _fixed("Languages, gestures, time, backup")),
            Entry(
                "About phone",
                lambda s: s.get("global", "device_name") or "Virtual Phone",
                (
                    ("Device name", lambda s: s.get("global", "device_name") or ""),
                    ("Phone number", _fixed("+1 555-0100")),
                    ("Model", _fixed("Virtual Phone")),
                    ("Android version", _fixed("14")),
                    ("Build number", _fixed("UQ1A.240105.004")),
                    ("IP address", lambda s: "10.0.2.16" if s.wifi else "Unavailable"),
                ),
            ),
        ),
    ),
)


class SettingsApp(App):
    package = "com.android.settings"
    activity = ".Settings"
    label = "Settings"
    color = (95, 99, 104)
    glyph = "⚙"

    def __init__(self, settings: SystemSettings) -> None:
        self.settings = settings
        self.page: Entry | None = None
        self.scroll = 0
        self.page_scroll = 0

    def stop(self) -> None:
        self.page, self.scroll, self.page_scroll = None, 0, 0

    def back(self) -> bool:
        if self.page is None:
            return False
        self._close_page()
        return True

    def _close_page(self) -> None:
        self.page, self.page_scroll = None, 0

    def build(self, ctx: Context) -> list[Node]:
        if self.page is not None:
            return self._build_page(ctx, self.page)
        bar, rest = app_bar(ctx, "Settings")
        rows: list[Row] = []
        for title, items in SECTIONS:
            rows.append((ctx.look.px(120), lambda r, t=title: header(ctx.look, r, t)))
            rows.extend((ctx.look.px(200), self._row(ctx, item)) for item in items)
        lst = scroll_list(
            ctx.look,
            rest,
            rows,
            self.scroll,
            self._set_scroll,
            "com.android.settings:id/recycler_view",
        )
        return [bar, lst]

    def _set_scroll(self, offset: int) -> None:
        self.scroll = offset

    def _set_page_scroll(self, offset: int) -> None:
        self.page_scroll = offset

    def _row(self, ctx: Context, item: Toggle | Entry) -> Callable[[Rect], Node]:
        if isinstance(item, Toggle):
            on = item.is_on(self.settings)

            def flip(item: Toggle = item, on: bool = on) -> None:
                self.settings.set_flag(item.namespace, item.key, not on)

            summary = item.on if on else item.off
            return lambda r: list_row(ctx.look, r, item.title, summary, on_tap=flip, checked=on)

        def open_page(item: Entry = item) -> None:
            self.page, self.page_scroll = item, 0

        summary = item.summary(self.settings)
        return lambda r: list_row(ctx.look, r, item.title, summary, on_tap=open_page)

    def _build_page(self, ctx: Context, page: Entry) -> list[Node]:
        bar, rest = app_bar(ctx, page.title, back=self._close_page)
        facts = page.facts or (("Nothing to change here", _fixed("")),)
        rows: list[Row] = []
        for title, summary in facts:
            text = summary(self.settings)
            rows.append((ctx.look.px(200), lambda r, t=title, s=text: list_row(ctx.look, r, t, s)))
        return [bar, scroll_list(ctx.look, rest, rows, self.page_scroll, self._set_page_scroll)]
