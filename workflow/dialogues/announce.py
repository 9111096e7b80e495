"""/announce on the conversation engine: the text (or a file and its caption), the audience
chosen with toggle buttons (roles, then all units, kinds of unit or units picked from a list),
the preview, and 发送, which stores the announcement and queues it once for everyone reached.

A flow kept aside (`Flow.aside`): like PTB's conversation it replaced, other commands and
presses leave it standing and it does not expire. Its replies follow the Telegram side's conventions
(`channels/telegram/handlers/dialogue.py`): a toggle redraws the pressed message (`how="edit"`),
a toggle's label is ✅ or ▫️ with its name in the button's `params`, a parameter that is a
tuple is its parts joined with "、", the file goes first (`params["file"]`) and the pressed
message's buttons go once the reply is out (`params["settle"]`). The figures a message shows
(how many it reaches, the units, the names) are read when it is drawn (`Step.show`), not
kept in the draft.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chat.actions import Button, Rows
from chat.actions import announce as an
from chat.capabilities import TELEGRAM, Capabilities
from chat.dialogue import Flow, Inbound, Invalid, Ref, Reply, Step, Stop
from chat.dialogue.session import FileIn
from scoring.vocab import UnitKind
from storage import people, units
from storage.models import Account

from .. import announce
from ..announce import Audience
from ..outcomes import Refused
from .base import Base, Draft

MAX_UNIT_BUTTONS = 90
PREVIEW_NAMES = 20
CHOSEN_NAMES = 10
KINDS = tuple(UnitKind)
CANCEL = an.Step("x")
#: The audience step's presses: toggles, the unit list and back, all units, the preview.
AUDIENCE_STEPS = frozenset({"all", "u", "ub", "pv", "x"})


@dataclass(frozen=True, slots=True)
class Announcing:
    """What the channel layer hands the flow: the limits an announcement must fit (the
    narrowest of the channels served), the heading a file's caption starts with, whether
    the person is in the middle of a /submit that channel still runs itself, and how the
    text is asked for and asked again (a channel people cannot send files on offers a photo
    and says what to do with a file)."""

    capabilities: Capabilities = TELEGRAM
    caption_head: str = ""
    submitting: Callable[[int], Awaitable[bool]] | None = None
    ask_text: str = "ann.ask_text"
    want_text: str = "ann.want_text"


def _cleared(event: Inbound) -> list[Reply]:
    """The pressed message's buttons taken off (when the channel said which it was)."""
    if event.origin is None:
        return []
    return [Reply("", {"origin": dict(event.origin)}, how="clear")]


def _origin(event: Inbound) -> dict[str, Any] | None:
    """The pressed message, kept in the draft for the reply that redraws or settles it."""
    return dict(event.origin) if event.origin is not None else None


def _toggle(on: bool, label: Any, press: an.Press) -> Button:
    """A toggle button: ✅ or ▫️ before its name."""
    return Button("btn.ann_on" if on else "btn.ann_off", press, {"label": label})


def _pairs(buttons: list[Button]) -> list[tuple[Button, ...]]:
    """Buttons two to a row."""
    return [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]


def _roles(audience: Audience) -> Any:
    """The roles part of an audience, in words."""
    return tuple(Ref(f"role.{r.value}") for r in audience.roles) or Ref("ann.roles_none")


def _scope(audience: Audience, shown: Mapping[str, Any]) -> Any:
    """The units part of an audience, in words."""
    if audience.scope == "kinds":
        return tuple(Ref(f"ann.kind.{k.value}") for k in audience.kinds)
    if audience.scope == "units":
        names = [str(name) for name in shown.get("chosen") or ()]
        listed = "、".join(names[:CHOSEN_NAMES]) + ("…" if len(names) > CHOSEN_NAMES else "")
        return Reply("ann.units_chosen", {"count": len(names), "names": listed})
    return Ref("ann.units_all")


def _audience_view(draft: Draft) -> Reply:
    """The audience message: what is chosen, how many it reaches, and the toggles; or the
    unit list. Drawn afresh, in place of the pressed message, or afresh with the pressed
    message's buttons going after it."""
    audience = Audience.from_data(draft.get("aud") or {})
    shown: Mapping[str, Any] = draft.get("shown") or {}
    rows: Rows
    if draft.get("view") == "units":
        chosen = set(audience.units) if audience.scope == "units" else set()
        listed = [
            _toggle(unit in chosen, str(name), an.PickUnit(int(unit)))
            for unit, name in shown.get("units") or ()
        ]
        rows = (*_pairs(listed), (Button("btn.ann_units_done", an.Step("ub")),))
        key, params = "ann.units_pick", {"count": len(chosen)}
    else:
        roles = [
            _toggle(r in audience.roles, Ref(f"role.{r.value}"), an.Toggle("r", r.value))
            for r in announce.AUDIENCE_ROLES
        ]
        kinds = [
            _toggle(
                audience.scope == "kinds" and k in audience.kinds,
                Ref(f"ann.kind.{k.value}"),
                an.Toggle("k", k.value),
            )
            for k in KINDS
        ]
        picked = len(audience.units) if audience.scope == "units" else 0
        rows = (
            *_pairs(roles),
            (_toggle(audience.scope == "all", Ref("ann.units_all"), an.Step("all")),),
            *_pairs(kinds),
            (_toggle(picked > 0, Reply("btn.ann_pick_units", {"count": picked}), an.Step("u")),),
            (Button("btn.ann_preview", an.Step("pv")), Button("btn.ann_cancel", CANCEL)),
        )
        key = "ann.audience"
        params = {
            "roles": _roles(audience),
            "units": _scope(audience, shown),
            "count": int(shown.get("count") or 0),
        }
    show = draft.get("show")
    origin = draft.get("origin")
    if show == "edit" and origin is not None:
        return Reply(key, {**params, "origin": origin}, rows, how="edit")
    settle = {"settle": origin} if show == "again" and origin is not None else {}
    return Reply(key, {**params, **settle}, rows)


class AnnounceFlows(Base):
    """/announce."""

    def announce(self, setting: Announcing | None = None) -> Flow:
        """/announce: text or file, audience, preview, 发送 (once per draft)."""
        setting = setting or Announcing()
        caps, head = setting.capabilities, setting.caption_head

        async def start(event: Inbound) -> Draft | None:
            """/announce by an admin or an editor not in the middle of /submit."""
            if event.command != "announce":
                return None
            await self._announcer(event.person_id)
            if setting.submitting is not None and await setting.submitting(event.person_id):
                raise Refused("ann_finish_submit")  # its steps would take the texts typed here
            return {
                "token": secrets.token_hex(12),
                "text": "",
                "file": None,
                "aud": Audience().to_data(),
                "view": "text",
            }

        async def text(event: Inbound, draft: Draft) -> Draft:
            """The text, or a file with its caption as the text (a caption refused leaves the
            file kept and its text asked); then the audience."""
            if event.press is not None:
                raise Stop(*_cleared(event), Reply("ann.cancelled"))
            if event.file is not None:
                kept = _file(event.file)
                if not event.text:  # the file's caption, if it came with one
                    return {"file": kept, "refused": None}
                try:
                    checked = announce.check_text(event.text, caps, caption_head=head)
                except Refused as refused:
                    return {"file": kept, "refused": {"key": refused.key, **refused.params}}
                return {"file": kept, "text": checked, **drawn("audience", "new")}
            checked = announce.check_text(
                event.text or "", caps, caption_head=head if draft.get("file") else None
            )
            return {"text": checked, **drawn("audience", "new")}

        def drawn(view: str, show: str, origin: Any = None) -> Draft:
            """Which message of the audience step comes next and how it is drawn: afresh,
            in place of the pressed message, or afresh with the pressed one's buttons going."""
            return {"view": view, "show": show, "origin": origin, "refused": None}

        async def audience_figures(event: Inbound, draft: Draft) -> Draft:
            """What the audience message shows, read when it is drawn: how many it reaches,
            the units chosen, and on the unit list the units to pick from."""
            audience = Audience.from_data(draft.get("aud") or {})
            async with self.db.reading() as tx:
                listed = await units.list_units(tx)
            shown: dict[str, Any] = {
                "count": len(await announce.recipients(self.db, audience)),
                "chosen": [u.name for u in listed if u.id in audience.units],
            }
            if draft.get("view") == "units":
                shown["units"] = [[u.id, u.name] for u in listed[:MAX_UNIT_BUTTONS]]
            return {"shown": shown}

        async def choose(event: Inbound, draft: Draft) -> Draft:
            """A toggle (role, unit kind, all units, one unit), the unit list and back, or the
            preview."""
            press = event.press
            if press == CANCEL:
                raise Stop(*_cleared(event), Reply("ann.cancelled"))
            if event.press is None:
                raise Invalid(Reply("ann.use_buttons"))
            if press == an.Step("pv"):
                return await preview(event, draft)
            aud = dict(draft.get("aud") or {})
            view = draft.get("view")
            roles_known = {r.value for r in announce.AUDIENCE_ROLES}
            if isinstance(press, an.Toggle) and press.group == "r" and press.name in roles_known:
                roles = list(aud.get("roles") or [])
                aud["roles"] = [r for r in roles if r != press.name] + (
                    [] if press.name in roles else [press.name]
                )
            elif (
                isinstance(press, an.Toggle)
                and press.group == "k"
                and press.name in {k.value for k in KINDS}
            ):
                kinds = list(aud.get("kinds") or []) if aud.get("scope") == "kinds" else []
                kinds = [k for k in kinds if k != press.name] + (
                    [] if press.name in kinds else [press.name]
                )
                aud.update(scope="kinds" if kinds else "all", kinds=kinds, units=[])
            elif press == an.Step("all"):
                aud.update(scope="all", kinds=[], units=[])
            elif press == an.Step("u"):
                view = "units"
            elif press == an.Step("ub"):
                view = "audience"
            elif isinstance(press, an.PickUnit):
                async with self.db.reading() as tx:
                    known = {u.id for u in await units.list_units(tx)}
                if press.unit_id not in known:
                    raise Refused("forged")
                chosen = list(aud.get("units") or []) if aud.get("scope") == "units" else []
                chosen = [u for u in chosen if u != press.unit_id] + (
                    [] if press.unit_id in chosen else [press.unit_id]
                )
                aud.update(scope="units" if chosen else "all", kinds=[], units=chosen)
            else:
                raise Refused("forged")
            checked = Audience.from_data(aud).to_data()
            return {"aud": checked, **drawn(str(view), "edit", _origin(event))}

        async def preview(event: Inbound, draft: Draft) -> Draft:
            """The preview, once a role is chosen and the text is there."""
            if not Audience.from_data(draft.get("aud") or {}).roles:
                raise Refused("ann_no_roles")
            if not draft.get("text"):
                raise Refused("ann_text_empty")
            return {"view": "preview", "origin": _origin(event)}

        async def preview_figures(event: Inbound, draft: Draft) -> Draft:
            """What the preview shows, read when it is drawn: who it reaches (the first
            names), the units chosen, and the author's name under a text."""
            audience = Audience.from_data(draft.get("aud") or {})
            reached = await announce.recipients(self.db, audience)
            async with self.db.reading() as tx:
                listed = await units.list_units(tx)
                author = await people.get_person(tx, event.person_id)
            return {
                "shown": {
                    "count": len(reached),
                    "names": [p.name for p in reached[:PREVIEW_NAMES]],
                    "more": len(reached) > PREVIEW_NAMES,
                    "chosen": [u.name for u in listed if u.id in audience.units],
                    "author": author.name if author is not None else "",
                }
            }

        async def confirm(event: Inbound, draft: Draft) -> Draft:
            """发送 (the previewed draft's own), or back to the audience."""
            press = event.press
            if press == CANCEL:
                raise Stop(*_cleared(event), Reply("ann.cancelled"))
            if press is None:
                raise Invalid(Reply("ann.use_buttons"))
            if isinstance(press, an.Send):
                if press.token != str(draft.get("token")):  # an older preview's
                    raise Invalid(Reply("ann.stale", how="alert"))
                return {"view": "send", "origin": _origin(event)}
            if press == an.Step("ed"):
                return drawn("audience", "again", _origin(event))
            raise Refused("forged")

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Stores the announcement and queues it for every recipient, once."""
            account = await self._announcer(event.person_id)
            async with self.db.reading() as tx:
                person = await people.get_person(tx, event.person_id)
            assert person is not None  # an announcer is a person
            file = list(draft.get("file") or [None, None, None])
            try:
                published = await announce.publish(
                    self.db,
                    self.rules,
                    account=account,
                    name=person.name,
                    username=person.username,
                    draft=announce.Draft(
                        token=str(draft["token"]),
                        text=str(draft.get("text") or ""),
                        audience=Audience.from_data(draft.get("aud") or {}),
                        file_kind=file[0],
                        file_key=file[1],
                        file_name=file[2],
                    ),
                    caption_head=head,
                    channel=caps,
                )
            except Refused as refused:
                if refused.key == "ann_already_sent":  # a replay: the draft is done with
                    raise Stop(Reply("refused.ann_already_sent")) from refused
                raise
            number = published.announcement.id
            origin = draft.get("origin")
            return [
                Reply(
                    "ann.queued",
                    {
                        "id": number,
                        "count": published.recipients,
                        **({"settle": origin} if origin is not None else {}),
                    },
                    ((Button("btn.ann_report", an.Report(number)),),),
                )
            ]

        def ask_text(draft: Draft) -> Reply | tuple[Reply, ...]:
            """The text; after a file, its caption (a refused caption said first)."""
            file = draft.get("file")
            if not file:
                return Reply(setting.ask_text)
            name: Any = {
                "photo": Ref("ann.file_kind.photo"),
            }.get(str(file[0])) or (file[2] or Ref("ann.file_kind.document"))
            limit = announce.caption_limit(caps, head)
            ask = Reply("ann.ask_caption", {"name": name, "limit": limit})
            refused = draft.get("refused")
            if not refused:
                return ask
            params = {k: v for k, v in refused.items() if k != "key"}
            return (Reply(f"refused.{refused['key']}", params), ask)

        def show_preview(draft: Draft) -> Reply:
            """The announcement as recipients will see it, the audience and the count, with
            发送 / 修改接收对象 / 取消; the file first, as it will go out."""
            audience = Audience.from_data(draft.get("aud") or {})
            shown: Mapping[str, Any] = draft.get("shown") or {}
            file = draft.get("file")
            params: dict[str, Any] = {}
            body: Any
            if file:
                caption = f"{head}\n\n{draft['text']}"
                params["file"] = {"kind": str(file[0]), "key": str(file[1]), "caption": caption}
                body = Ref("ann.preview_file")
            else:
                body = Reply(
                    "notice.ann_text",
                    {"text": draft["text"], "author": shown.get("author") or "", "id": ""},
                )
            names: Any = "、".join(str(n) for n in shown.get("names") or ())
            if shown.get("more"):
                names = Reply("ann.names_more", {"names": names})
            if draft.get("origin") is not None:
                params["settle"] = draft["origin"]
            return Reply(
                "ann.preview",
                {
                    "body": body,
                    "roles": _roles(audience),
                    "units": _scope(audience, shown),
                    "count": int(shown.get("count") or 0),
                    "names": names or "—",
                    **params,
                },
                (
                    (Button("btn.ann_send", an.Send(str(draft["token"]))),),
                    (Button("btn.ann_edit", an.Step("ed")), Button("btn.ann_cancel", CANCEL)),
                ),
            )

        return Flow(
            name="announce",
            what="help.announce",  # never said: a flow kept aside is neither ended nor expires
            start=start,
            steps=(
                Step(
                    "text",
                    ask_text,
                    text,
                    after=lambda draft: "audience" if draft.get("view") != "text" else "text",
                    presses=(an.Step,),
                    press_test=lambda press: press == CANCEL,
                    takes_files=True,
                    misfit=setting.want_text,
                ),
                Step(
                    "audience",
                    _audience_view,
                    choose,
                    after=lambda draft: "preview" if draft.get("view") == "preview" else "audience",
                    presses=(an.Toggle, an.PickUnit, an.Step),
                    press_test=lambda press: (
                        not isinstance(press, an.Step) or press.name in AUDIENCE_STEPS
                    ),
                    misfit="ann.use_buttons",
                    show=audience_figures,
                ),
                Step(
                    "preview",
                    show_preview,
                    confirm,
                    after=lambda draft: "audience" if draft.get("view") == "audience" else None,
                    presses=(an.Send, an.Step),
                    press_test=lambda press: (
                        isinstance(press, an.Send) or press in (an.Step("ed"), CANCEL)
                    ),
                    misfit="ann.use_buttons",
                    show=preview_figures,
                ),
            ),
            finish=finish,
            not_text=setting.want_text,
            aside=True,
        )

    async def _announcer(self, person_id: int) -> Account:
        """The account the person's right to announce comes from (refused if none)."""
        async with self.db.reading() as tx:
            accounts = await people.accounts_of(tx, person_id)
            grants = await people.active_roles(tx, person_id)
        for account in accounts:
            if announce.may_announce(self.rules, account, grants):
                return account
        raise Refused("ann_not_allowed")


def _file(file: FileIn) -> list[Any]:
    """A file as the draft keeps it: kind, stored key, the document's own name."""
    kind = "photo" if file.kind == "photo" else "document"
    return [kind, file.key, file.name if kind == "document" else None]
