"""Android's settings provider: three namespaces of string values, the one truth for the phone.

The Settings app's switches, the status bar icons, the rotation and the current input method are
all read from here, so `settings put`, `svc`, `cmd ...` and taps in the Settings app always
agree. Values are strings, as the provider stores them; `settings get` of a missing key prints
`null`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NAMESPACES = ("global", "secure", "system")
LATIN_IME = "com.android.inputmethod.latin/.LatinIME"
ADB_IME = "com.android.adbkeyboard/.AdbIME"

_DEFAULTS: dict[str, dict[str, str]] = {
    "global": {
        "adb_enabled": "1",
        "airplane_mode_on": "0",
        "animator_duration_scale": "1.0",
        "auto_time": "1",
        "bluetooth_on": "0",
        "development_settings_enabled": "1",
        "device_name": "Virtual Phone",
        "low_power": "0",
        "mobile_data": "1",
        "stay_on_while_plugged_in": "0",
        "transition_animation_scale": "1.0",
        "wifi_on": "1",
        "window_animation_scale": "1.0",
        "zen_mode": "0",
    },
    "secure": {
        "android_id": "5f3c9a7e1b2d4c6a",
        "default_input_method": LATIN_IME,
        "location_mode": "3",
        "show_ime_with_hard_keyboard": "0",
        "ui_night_mode": "1",
    },
    "system": {
        "accelerometer_rotation": "0",
        "font_scale": "1.0",
        "screen_brightness": "128",
        "screen_brightness_mode": "0",
        "screen_off_timeout": "60000",
        "time_12_24": "24",
        "user_rotation": "0",
    },
}


@dataclass
class SystemSettings:
    values: dict[str, dict[str, str]] = field(
        default_factory=lambda: {ns: dict(keys) for ns, keys in _DEFAULTS.items()}
    )
    # Radio states saved when airplane mode switched them off, restored when it ends.
    _before_airplane: tuple[str, str] | None = field(default=None, init=False, repr=False)

    def get(self, namespace: str, key: str) -> str | None:
        return self.values[namespace].get(key)

    def put(self, namespace: str, key: str, value: str) -> None:
        self.values[namespace][key] = value

    def delete(self, namespace: str, key: str) -> bool:
        return self.values[namespace].pop(key, None) is not None

    def flag(self, namespace: str, key: str) -> bool:
        """A boolean setting: anything but a missing value or 0 is on."""
        value = self.get(namespace, key)
        return value is not None and value.strip() not in ("0", "", "null")

    # Settings with meaning to the rest of the phone ---------------------------------------

    @property
    def airplane(self) -> bool:
        return self.flag("global", "airplane_mode_on")

    @property
    def wifi(self) -> bool:
        return self.flag("global", "wifi_on")

    @property
    def bluetooth(self) -> bool:
        return self.flag("global", "bluetooth_on")

    @property
    def dark(self) -> bool:
        return self.get("secure", "ui_night_mode") == "2"

    @property
    def ime(self) -> str:
        return self.get("secure", "default_input_method") or ""

    @property
    def rotation(self) -> int:
        """The user rotation in force: auto-rotate follows the (absent) sensor, so portrait."""
        if self.flag("system", "accelerometer_rotation"):
            return 0
        try:
            return int(self.get("system", "user_rotation") or "0") % 4
        except ValueError:
            return 0

    def set_airplane(self, on: bool) -> None:
        """Airplane mode as the system switches it: radios go off and come back afterwards."""
        if on == self.airplane:
            return
        self.put("global", "airplane_mode_on", "1" if on else "0")
        if on:
            self._before_airplane = (
                self.get("global", "wifi_on") or "0",
                self.get("global", "bluetooth_on") or "0",
            )
            self.put("global", "wifi_on", "0")
            self.put("global", "bluetooth_on", "0")
        elif self._before_airplane is not None:
            wifi, bluetooth = self._before_airplane
            self.put("global", "wifi_on", wifi)
            self.put("global", "bluetooth_on", bluetooth)
            self._before_airplane = None

    def set_flag(self, namespace: str, key: str, on: bool) -> None:
        if (namespace, key) == ("global", "airplane_mode_on"):
            self.set_airplane(on)
        elif (namespace, key) == ("secure", "ui_night_mode"):
            self.put(namespace, key, "2" if on else "1")
        elif (namespace, key) == ("secure", "location_mode"):
            self.put(namespace, key, "3" if on else "0")
        else:
            self.put(namespace, key, "1" if on else "0")
