"""What `pm` says is installed: a few system packages, the virtual apps, the ADB Keyboard.

Only the virtual apps (and the launcher, as HOME) have activities; the rest exist so that
package listings look like a phone's and `pm path` answers for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from environments.android.virtual_phone.handset import Handset
from environments.android.virtual_phone.system_ui import LAUNCHER, SYSTEM_UI


@dataclass(frozen=True)
class Package:
    name: str
    path: str
    system: bool = True


def _data_app(name: str) -> str:
    return f"/data/app/~~vP3xQ1kz0cA2YwLh==/{name}-Xq7m2dGfWm5Ykq1vYq5A==/base.apk"


_SYSTEM = (
    Package("android", "/system/framework/framework-res.apk"),
    Package(SYSTEM_UI, "/system_ext/priv-app/SystemUI/SystemUI.apk"),
    Package(LAUNCHER, "/system_ext/priv-app/Launcher3QuickStep/Launcher3QuickStep.apk"),
    Package("com.android.settings", "/system_ext/priv-app/Settings/Settings.apk"),
    Package("com.android.contacts", "/product/app/Contacts/Contacts.apk"),
    Package(
        "com.android.providers.contacts", "/system/priv-app/ContactsProvider/ContactsProvider.apk"
    ),
    Package(
        "com.android.providers.settings", "/system/priv-app/SettingsProvider/SettingsProvider.apk"
    ),
    Package("com.android.inputmethod.latin", "/system/app/LatinIME/LatinIME.apk"),
    Package("com.android.shell", "/system/priv-app/Shell/Shell.apk"),
    Package("com.android.phone", "/system/priv-app/TeleService/TeleService.apk"),
)
ADB_KEYBOARD = Package("com.android.adbkeyboard", _data_app("com.android.adbkeyboard"), False)


def installed(handset: Handset) -> list[Package]:
    packages = list(_SYSTEM)
    known = {p.name for p in packages}
    for app in handset.apps.values():
        if app.package not in known:
            packages.append(Package(app.package, _data_app(app.package), not app.third_party))
    if handset.adb_keyboard:
        packages.append(ADB_KEYBOARD)
    return sorted(packages, key=lambda p: p.name)


def find(handset: Handset, name: str) -> Package | None:
    return next((p for p in installed(handset) if p.name == name), None)
