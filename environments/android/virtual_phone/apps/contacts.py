"""Contacts (com.android.contacts/.activities.PeopleActivity): a searchable list, a contact's
page, a create/edit form and a long-press menu.

State file: /sdcard/Android/data/com.android.contacts/files/contacts.json, a list of
{"name", "phone", "favorite"} sorted by name; pushing one replaces the address book.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from environments.android.virtual_phone.apps.base import App, data_dir, dump_json, load_json_list
from environments.android.virtual_phone.files import Mount
from environments.android.virtual_phone.text_buffer import TextBuffer
from environments.android.virtual_phone.ui import Node, Rect
from environments.android.virtual_phone.widgets import (
    Context,
    Row,
    app_bar,
    button,
    fab,
    label,
    list_row,
    popup_menu,
    scroll_list,
    text_field,
)

PACKAGE = "com.android.contacts"
STATE_FILE = f"{data_dir(PACKAGE)}/contacts.json"
_AVATAR_COLORS = ((26, 115, 232), (217, 48, 37), (30, 142, 62), (249, 171, 0), (161, 66, 244))

SEED = (
    ("Alice Johnson", "+1 555-0101"),
    ("Bob Smith", "+1 555-0102"),
    ("Carlos Mendez", "+1 555-0103"),
    ("Diana Prince", "+1 555-0104"),
    ("Ethan Brown", "+1 555-0105"),
    ("Fatima Khan", "+1 555-0106"),
    ("George Miller", "+1 555-0107"),
    ("Hannah Lee", "+1 555-0108"),
    ("Ivan Petrov", "+1 555-0109"),
    ("Julia Roberts", "+1 555-0110"),
    ("Kenji Tanaka", "+1 555-0111"),
    ("Laura Chen", "+1 555-0112"),
    ("Mohammed Ali", "+1 555-0113"),
    ("Nina Rossi", "+1 555-0114"),
    ("Oscar Wilde", "+1 555-0115"),
    ("Priya Sharma", "+1 555-0116"),
)


@dataclass(eq=False)
class Contact:
    name: str
    phone: str = ""
    favorite: bool = False

    @property
    def display(self) -> str:
        return self.name or self.phone or "(No name)"


class ContactsApp(App):
    package = PACKAGE
    activity = ".activities.PeopleActivity"
    label = "Contacts"
    color = (26, 115, 232)
    glyph = "☺"

    def __init__(self) -> None:
        self.contacts: list[Contact] = []
        self.reset()

    def reset(self) -> None:
        self.contacts = [Contact(name, phone) for name, phone in SEED]
        self.stop()

    def stop(self) -> None:
        self.page = "list"
        self.current: Contact | None = None
        self.editing: Contact | None = None
        self.menu: tuple[Contact, int, int] | None = None
        self.scroll = 0
        self.search = TextBuffer("Search contacts", on_change=self._search_changed)
        self.name = TextBuffer("Name")
        self.phone = TextBuffer("Phone")

    def _search_changed(self) -> None:
        self.scroll = 0

    def sorted(self) -> list[Contact]:
        return sorted(self.contacts, key=lambda c: (c.display.casefold(), c.phone))

    # State file ----------------------------------------------------------------------------

    def files(self) -> dict[str, Mount]:
        return {STATE_FILE: Mount(self._read, self._write)}

    def _read(self) -> bytes:
        return dump_json(
            [{"name": c.name, "phone": c.phone, "favorite": c.favorite} for c in self.sorted()]
        )

    def _write(self, data: bytes) -> None:
        contacts = []
        for item in load_json_list(data, STATE_FILE):
            if isinstance(item, str):
                item = {"name": item}
            if not isinstance(item, dict):
                raise OSError(22, f"{STATE_FILE}: each contact must be an object")
            contacts.append(
                Contact(
                    str(item.get("name", "")),
                    str(item.get("phone", "")),
                    bool(item.get("favorite", False)),
                )
            )
        self.contacts = contacts
        self.stop()

    # Navigation ----------------------------------------------------------------------------

    def back(self) -> bool:
        if self.menu is not None:
            self.menu = None
        elif self.page == "form":
            self.page = "detail" if self.editing is not None else "list"
        elif self.page == "detail":
            self.page, self.current = "list", None
        else:
            return False
        return True

    def build(self, ctx: Context) -> list[Node]:
        if self.page == "form":
            return self._form(ctx)
        if self.page == "detail" and self.current in self.contacts:
            return self._detail(ctx, self.current)
        self.page = "list"
        nodes = self._list(ctx)
        if self.menu is not None and self.menu[0] in self.contacts:
            nodes.append(self._menu(ctx, *self.menu))
        return nodes

    # Pages ---------------------------------------------------------------------------------

    def _list(self, ctx: Context) -> list[Node]:
        look, area = ctx.look, ctx.area
        margin = look.px(40)
        field_rect = Rect(
            area.left + margin,
            area.top + margin,
            area.right - margin,
            area.top + margin + look.px(130),
        )
        search = text_field(ctx, field_rect, self.search, f"{PACKAGE}:id/search_view", filled=True)
        query = self.search.value.strip().casefold()
        shown = [
            c for c in self.sorted() if query in c.display.casefold() or query in c.phone.casefold()
        ]
        top = field_rect.bottom + margin
        list_rect = Rect(area.left, top, area.right, area.bottom)
        nodes = [search]
        if not shown:
            empty = label(
                look,
                Rect(area.left, top, area.right, top + look.px(200)),
                "No contacts",
                46,
                look.palette.text_secondary,
                align="center",
            )
            nodes.append(empty)
        else:
            rows: list[Row] = [(look.px(170), self._row(ctx, contact)) for contact in shown]
            nodes.append(
                scroll_list(
                    look,
                    list_rect,
                    rows,
                    self.scroll,
                    self._set_scroll,
                    f"{PACKAGE}:id/contact_list",
                )
            )
        nodes.append(
            fab(
                ctx,
                "Create contact",
                "Create contact",
                lambda: self._open_form(ctx, None),
                glyph="+",
            )
        )
        return nodes

    def _set_scroll(self, offset: int) -> None:
        self.scroll = offset

    def _row(self, ctx: Context, contact: Contact) -> Callable[[Rect], Node]:
        look = ctx.look

        def open_detail() -> None:
            self.page, self.current = "detail", contact

        def build(rect: Rect) -> Node:
            def open_menu() -> None:
                self.menu = (contact, rect.left + look.px(200), rect.bottom - look.px(20))

            side = look.px(110)
            top = rect.top + (rect.height - side) // 2
            avatar = self._avatar(
                ctx,
                Rect(rect.left + look.px(56), top, rect.left + look.px(56) + side, top + side),
                contact,
            )
            title = contact.display + ("  ★" if contact.favorite else "")
            row = list_row(
                look, rect, title, on_tap=open_detail, on_long_press=open_menu, leading=avatar
            )
            row.desc = contact.display
            return row

        return build

    def _avatar(self, ctx: Context, rect: Rect, contact: Contact) -> Node:
        color = _AVATAR_COLORS[sum(map(ord, contact.display)) % len(_AVATAR_COLORS)]
        return Node(
            rect,
            "android.widget.ImageView",
            desc=f"Photo of {contact.display}",
            text=contact.display[:1].upper(),
            fill=color,
            radius=rect.height // 2,
            ink=(255, 255, 255),
            size=rect.height // 2,
            align="center",
        )

    def _detail(self, ctx: Context, contact: Contact) -> list[Node]:
        look = ctx.look
        bar, rest = app_bar(
            ctx, "", back=self._to_list, actions=(("Edit", lambda: self._open_form(ctx, contact)),)
        )
        side = look.px(300)
        left = rest.left + (rest.width - side) // 2
        avatar = self._avatar(
            ctx,
            Rect(left, rest.top + look.px(40), left + side, rest.top + look.px(40) + side),
            contact,
        )
        y = avatar.rect.bottom + look.px(40)
        name = label(
            look,
            Rect(rest.left, y, rest.right, y + look.px(110)),
            contact.display,
            70,
            align="center",
            rid=f"{PACKAGE}:id/large_title",
        )
        y = name.rect.bottom + look.px(60)

        def flip_favorite() -> None:
            contact.favorite = not contact.favorite

        favorite_text = "Remove from favourites" if contact.favorite else "Add to favourites"
        width = look.px(640)
        left = rest.left + (rest.width - width) // 2
        favorite = button(
            look, Rect(left, y, left + width, y + look.px(120)), favorite_text, flip_favorite
        )
        favorite.desc = favorite_text
        y = favorite.rect.bottom + look.px(40)
        phone = list_row(
            look,
            Rect(rest.left, y, rest.right, y + look.px(200)),
            contact.phone or "No phone number",
            "Mobile",
        )
        y = phone.rect.bottom + look.px(40)
        delete = button(
            look,
            Rect(left, y, left + width, y + look.px(120)),
            "Delete",
            lambda: self._delete(contact),
        )
        return [bar, avatar, name, favorite, phone, delete]

    def _form(self, ctx: Context) -> list[Node]:
        look = ctx.look
        title = "Edit contact" if self.editing is not None else "Create contact"
        bar, rest = app_bar(
            ctx, title, back=lambda: self.back() and None, actions=(("Save", self._save),)
        )
        margin = look.px(56)
        nodes = [bar]
        y = rest.top + look.px(40)
        for buffer, rid in ((self.name, "name"), (self.phone, "phone")):
            nodes.append(
                label(
                    look,
                    Rect(rest.left + margin, y, rest.right - margin, y + look.px(60)),
                    buffer.hint,
                    36,
                    look.palette.primary,
                )
            )
            y += look.px(70)
            rect = Rect(rest.left + margin, y, rest.right - margin, y + look.px(130))
            nodes.append(text_field(ctx, rect, buffer, f"{PACKAGE}:id/{rid}"))
            y = rect.bottom + look.px(50)
        self.name.on_submit = lambda: ctx.set_focus(self.phone)
        return nodes

    def _menu(self, ctx: Context, contact: Contact, x: int, y: int) -> Node:
        def close() -> None:
            self.menu = None

        def favorite() -> None:
            contact.favorite = not contact.favorite
            close()

        def delete() -> None:
            self._delete(contact)
            close()

        text = "Remove from favourites" if contact.favorite else "Add to favourites"
        return popup_menu(ctx, x, y, [(text, favorite), ("Delete", delete)], close)

    # Actions -------------------------------------------------------------------------------

    def _to_list(self) -> None:
        self.page, self.current = "list", None

    def _open_form(self, ctx: Context, contact: Contact | None) -> None:
        self.page, self.editing = "form", contact
        self.name.set(contact.name if contact else "")
        self.phone.set(contact.phone if contact else "")
        ctx.set_focus(self.name)

    def _save(self) -> None:
        name, phone = self.name.value.strip(), self.phone.value.strip()
        if not name and not phone:
            self.back()
            return
        contact = self.editing
        if contact is None:
            contact = Contact(name, phone)
            self.contacts.append(contact)
        else:
            contact.name, contact.phone = name, phone
        self.page, self.current, self.editing = "detail", contact, None

    def _delete(self, contact: Contact) -> None:
        if contact in self.contacts:
            self.contacts.remove(contact)
        self.page, self.current = "list", None
