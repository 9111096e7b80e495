"""Button codecs (chat/actions): every press survives encoding, fits Telegram's 64 bytes, is
routed by its family's pattern, and is written exactly as the buttons already in people's
chats; data no button carries (forged, garbled) decodes to None."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat import actions
from chat.actions import (
    Button,
    admin,
    announce,
    briefs,
    campaign,
    editor,
    item,
    notify,
    revise,
    signoff,
    submit,
    tasks,
    visits,
    webnews,
)
from workflow.outcomes import Notice

ids = st.integers(0, 10**12 - 1)
rounds = st.integers(0, 10**6 - 1)
small = st.integers(0, 999)
names = st.from_regex(r"[a-z_]{1,20}", fullmatch=True)

PRESSES: dict[Any, st.SearchStrategy[Any]] = {
    signoff: st.one_of(
        st.builds(signoff.Signoff, ids, rounds, small, st.sampled_from(["a", "r"])),
        st.builds(signoff.ConfirmReturn, ids, rounds, small, st.booleans()),
    ),
    editor: st.one_of(
        st.builds(editor.ItemAction, st.sampled_from(["reg", "edit", "adopt", "route"]), ids),
        st.builds(
            editor.AdoptionAction, st.sampled_from(["wd", "wdok", "wdno", "day", "ref"]), ids
        ),
        st.builds(editor.Outlet, ids, small),
        st.builds(editor.RouteToggle, ids, st.integers(0, 10**15 - 1), st.none() | small),
        st.builds(editor.ItemAction, st.sampled_from(["arc", "unarc"]), ids),
        st.builds(
            editor.DeskPage,
            st.integers(0, 9999),
            ids,
            st.sampled_from(["a", "s", "r"]),
            st.just(0)
            | st.builds(lambda y, m: y * 100 + m, st.integers(1001, 9999), st.integers(1, 12)),
        ),
    ),
    submit: st.one_of(
        st.builds(submit.PickUnit, ids),
        st.builds(submit.PickCategory, st.from_regex(r"[a-z_]{1,56}", fullmatch=True)),
        st.builds(submit.PickDay, st.sampled_from([0, 1])),
        st.builds(submit.Change, st.none() | names),
        st.builds(
            submit.Step,
            st.sampled_from(
                ["body:done", "files:done", "ok", "cancel", "resume", "restart", "drop", "keep"]
            ),
        ),
    ),
    revise: st.one_of(
        st.builds(revise.Revise, ids),
        st.builds(
            revise.RemoveFile, st.integers(0, 99), st.from_regex(r"[0-9a-f]{8}", fullmatch=True)
        ),
    ),
    tasks: st.one_of(
        st.builds(tasks.TaskAction, st.sampled_from(["done", "cancel", "cancelok", "keep"]), ids),
        st.builds(tasks.TaskLink, ids, ids),
    ),
    admin: st.one_of(
        st.builds(admin.Revoke, ids, st.sampled_from([None, "ok", "no"])),
        st.builds(admin.InviteUnit, ids),
        st.builds(admin.InviteRole, st.from_regex(r"[a-z_]{1,24}", fullmatch=True)),
    ),
    announce: st.one_of(
        st.builds(announce.Toggle, st.sampled_from(["r", "k"]), names),
        st.builds(announce.PickUnit, ids),
        st.builds(announce.Step, st.sampled_from(["all", "u", "ub", "pv", "ed", "x"])),
        st.builds(announce.Send, st.from_regex(r"[0-9a-f]{1,32}", fullmatch=True)),
        st.builds(announce.Report, ids),
    ),
    briefs: st.one_of(
        st.builds(
            briefs.DraftMenu,
            ids,
            st.sampled_from(["menu", "add", "date", "view", "send", "drop", "dropok", "close"]),
        ),
        st.builds(briefs.DraftMenu, ids, st.sampled_from(["h", "b", "up", "dn", "rm"]), ids),
        st.builds(briefs.OpenBrief, ids),
        st.builds(briefs.GetBrief, ids),
        st.builds(
            briefs.Decide, ids, rounds, st.sampled_from(["review", "sign"]), st.sampled_from("ar")
        ),
        st.builds(
            briefs.ConfirmReturn, ids, rounds, st.sampled_from(["review", "sign"]), st.booleans()
        ),
    ),
    webnews: st.one_of(
        st.builds(webnews.SendNews, ids),
        st.builds(webnews.NewsAction, st.sampled_from(list("arspcx")), ids, rounds),
    ),
    visits: st.one_of(
        st.builds(visits.PickKind, st.sampled_from(["city", "department", "township"])),
        st.builds(visits.PickUnit, ids),
        st.builds(visits.PickDay, st.sampled_from([0, 1])),
        st.just(visits.Confirm()),
        st.just(visits.Cancel()),
    ),
    item: st.one_of(
        st.builds(item.FullText, ids),
        st.builds(item.Withdraw, ids, st.sampled_from([None, "ok", "no"])),
    ),
    campaign: st.one_of(
        st.builds(campaign.PickTemplate, st.from_regex(campaign.TEMPLATE, fullmatch=True)),
        st.builds(campaign.PickScope, st.sampled_from(["general", "focus"])),
        st.builds(campaign.ToggleUnit, ids),
        st.builds(campaign.TogglePerson, ids),
        st.sampled_from(
            [campaign.Done(), campaign.SameDate(), campaign.Submit(), campaign.Cancel()]
        ),
        st.builds(
            campaign.Decide,
            st.sampled_from(["p", "g"]),
            ids,
            rounds,
            small,
            st.sampled_from(["a", "r"]),
        ),
        st.builds(
            campaign.ConfirmReturn, st.sampled_from(["p", "g"]), ids, rounds, small, st.booleans()
        ),
        st.builds(campaign.SelfCheck, ids, ids),
        st.builds(campaign.Answer, ids, ids, small, st.sampled_from(["m", "p", "n"])),
        st.builds(campaign.NextCheck, ids, ids, small),
        st.builds(campaign.Pause, ids, ids),
        st.builds(campaign.Sign, ids, ids),
        st.builds(campaign.Resubmit, ids),
        st.builds(campaign.Redate, ids),
        st.builds(campaign.ScoreUnit, ids, ids),
        st.builds(campaign.ProposeGrades, ids),
        st.builds(campaign.Progress, ids),
        st.builds(campaign.SettleList, ids),
        st.builds(campaign.AcceptRule, ids, ids, small),
        st.builds(campaign.AcceptAll, ids),
        st.builds(campaign.SettleCheck, ids, ids, small),
        st.builds(campaign.ConfirmSettle, ids, ids, small, st.booleans()),
        st.builds(campaign.ScoreSheet, ids),
        st.builds(campaign.UploadScores, ids),
    ),
    notify: st.builds(notify.NoticesTo, st.sampled_from(notify.CHOICES)),
}
FAMILIES = list(PRESSES)


def test_every_family_is_covered() -> None:
    """The strategies above cover each registered family (a new one must add its own)."""
    assert set(FAMILIES) == set(actions.FAMILIES.values())


@pytest.mark.parametrize("family", FAMILIES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
@given(data=st.data())
def test_round_trip_fits_and_routes(family: Any, data: st.DataObject) -> None:
    """decode(encode(p)) == p; the data fits 64 bytes and the family's route takes it."""
    press = data.draw(PRESSES[family])
    wire = family.encode(press)
    assert family.decode(wire) == press
    assert actions.decode(wire) == press
    assert actions.encode(press) == wire
    assert len(wire.encode()) <= actions.LIMIT
    assert re.match(family.PATTERN, wire)


@given(st.text(max_size=80))
def test_arbitrary_text_is_refused_or_reads_back(text: str) -> None:
    """Any text decodes to None, or to a press whose encoding decodes to the same press."""
    press = actions.decode(text)
    if press is not None:
        assert actions.decode(actions.encode(press)) == press


@given(
    st.sampled_from([f[:-1] for f in actions.FAMILIES]),
    st.lists(st.sampled_from(["0", "7", "99", "a", "r", "ok", "", "x", "-1", "٩"]), max_size=6),
)
def test_near_misses_never_decode_to_another_wire(prefix: str, parts: list[str]) -> None:
    """Data built from wire-like pieces decodes only when it re-encodes to the same form
    (up to leading zeros, which today's buttons were read with too)."""
    data = ":".join([prefix, *parts])
    press = actions.decode(data)
    if press is not None:
        canonical = re.sub(r"(?<=:)0+(?=[0-9])", "", data)
        assert actions.encode(press) == canonical


#: The wire forms written before the codecs, as the f-strings that wrote them: a button in a
#: person's chat since then must still mean the same press.
TODAY: list[tuple[str, Any]] = [
    ("so:27:1:2:a", signoff.Signoff(27, 1, 2, "a")),
    ("so:27:1:2:r", signoff.Signoff(27, 1, 2, "r")),
    ("so:27:1:2:c", signoff.ConfirmReturn(27, 1, 2, True)),
    ("so:27:1:2:x", signoff.ConfirmReturn(27, 1, 2, False)),
    ("ed:reg:5", editor.ItemAction("reg", 5)),
    ("ed:edit:5", editor.ItemAction("edit", 5)),
    ("ed:adopt:5", editor.ItemAction("adopt", 5)),
    ("ed:route:5", editor.ItemAction("route", 5)),
    ("ed:out:5:2", editor.Outlet(5, 2)),
    ("ed:wd:9", editor.AdoptionAction("wd", 9)),
    ("ed:wdok:9", editor.AdoptionAction("wdok", 9)),
    ("ed:wdno:9", editor.AdoptionAction("wdno", 9)),
    ("ed:day:9", editor.AdoptionAction("day", 9)),
    ("ed:ref:9", editor.AdoptionAction("ref", 9)),
    ("ed:rt:5:6:1", editor.RouteToggle(5, 6, 1)),
    ("ed:rt:5:6:ok", editor.RouteToggle(5, 6, None)),
    ("sub:unit:3", submit.PickUnit(3)),
    ("sub:cat:measures", submit.PickCategory("measures")),
    ("sub:body:done", submit.Step("body:done")),
    ("sub:date:0", submit.PickDay(0)),
    ("sub:date:1", submit.PickDay(1)),
    ("sub:files:done", submit.Step("files:done")),
    ("sub:ok", submit.Step("ok")),
    ("sub:cancel", submit.Step("cancel")),
    ("sub:chg", submit.Change()),
    ("sub:chg:title", submit.Change("title")),
    ("ed:arc:5", editor.ItemAction("arc", 5)),
    ("ed:unarc:5", editor.ItemAction("unarc", 5)),
    ("ed:q:0:0:a:0", editor.DeskPage(0)),
    ("ed:q:2:7:s:202611", editor.DeskPage(2, 7, "s", 202611)),
    ("rv:12", revise.Revise(12)),
    ("rv:rm:3:0a1b2c3d", revise.RemoveFile(3, "0a1b2c3d")),
    ("sub:restart", submit.Step("restart")),
    ("it:full:12", item.FullText(12)),
    ("it:wd:12", item.Withdraw(12)),
    ("it:wd:12:ok", item.Withdraw(12, "ok")),
    ("tk:done:4", tasks.TaskAction("done", 4)),
    ("tk:cancel:4", tasks.TaskAction("cancel", 4)),
    ("tk:cancelok:4", tasks.TaskAction("cancelok", 4)),
    ("tk:keep:4", tasks.TaskAction("keep", 4)),
    ("tk:link:4:12", tasks.TaskLink(4, 12)),
    ("ad:rv:8", admin.Revoke(8)),
    ("ad:rv:8:ok", admin.Revoke(8, "ok")),
    ("ad:rv:8:no", admin.Revoke(8, "no")),
    ("ad:iu:0", admin.InviteUnit(0)),
    ("ad:iu:3", admin.InviteUnit(3)),
    ("ad:ir:window_head", admin.InviteRole("window_head")),
    ("an:r:window_head", announce.Toggle("r", "window_head")),
    ("an:k:township", announce.Toggle("k", "township")),
    ("an:all", announce.Step("all")),
    ("an:u", announce.Step("u")),
    ("an:ub", announce.Step("ub")),
    ("an:u:3", announce.PickUnit(3)),
    ("an:pv", announce.Step("pv")),
    ("an:ok:0f3a9c", announce.Send("0f3a9c")),
    ("an:ed", announce.Step("ed")),
    ("an:x", announce.Step("x")),
    ("an:rp:2", announce.Report(2)),
    ("bf:d:3:menu", briefs.DraftMenu(3, "menu")),
    ("bf:d:3:dropok", briefs.DraftMenu(3, "dropok")),
    ("bf:d:3:h:41", briefs.DraftMenu(3, "h", 41)),
    ("bf:d:3:rm:41", briefs.DraftMenu(3, "rm", 41)),
    ("bf:open:3", briefs.OpenBrief(3)),
    ("bf:get:3", briefs.GetBrief(3)),
    ("bf:a:3:1:rv", briefs.Decide(3, 1, "review", "a")),
    ("bf:r:3:1:sg", briefs.Decide(3, 1, "sign", "r")),
    ("bf:c:3:1:sg", briefs.ConfirmReturn(3, 1, "sign", True)),
    ("bf:x:3:1:rv", briefs.ConfirmReturn(3, 1, "review", False)),
    ("wn:send:5", webnews.SendNews(5)),
    ("wn:a:7:1", webnews.NewsAction("a", 7, 1)),
    ("wn:r:7:1", webnews.NewsAction("r", 7, 1)),
    ("wn:p:7:1", webnews.NewsAction("p", 7, 1)),
    ("wn:s:7:1", webnews.NewsAction("s", 7, 1)),
    ("wn:c:7:1", webnews.NewsAction("c", 7, 1)),
    ("wn:x:7:1", webnews.NewsAction("x", 7, 1)),
    ("vi:k:city", visits.PickKind("city")),
    ("vi:u:6", visits.PickUnit(6)),
    ("vi:d:1", visits.PickDay(1)),
    ("vi:ok", visits.Confirm()),
    ("vi:x", visits.Cancel()),
    ("nt:wecom", notify.NoticesTo("wecom")),
    ("nt:last", notify.NoticesTo("last")),
]


@pytest.mark.parametrize(("wire", "press"), TODAY, ids=[w for w, _ in TODAY])
def test_todays_buttons_keep_their_meaning(wire: str, press: Any) -> None:
    """Byte for byte: what was written before is read as the same press and written again."""
    assert actions.decode(wire) == press
    assert actions.encode(press) == wire


FORGED = [
    "",
    "so:",
    "so:1",
    "so:1:0:0:z",
    "so:1:0:0:A",
    "so:-1:0:0:a",
    "so:9999999999999:0:0:a",
    "so:1:0:0:a:extra",
    "so:1:0:0:a ",
    "so:٩٩٩:0:0:a",
    "so:一:0:0:a",
    "so:1:0:0:a' OR 1=1--",
    "ad:iu:-1",
    "ad:iu:",
    "ad:ir:Informant",
    "ad:ir:信息员",
    "ed:delete:1",
    "ed:q:0:0:x:0",
    "ed:q:0:0:a:202613",
    "ed:q:0:0:a:2026",
    "ed:q:-1:0:a:0",
    "ed:reg:-1",
    "ed:reg:1 OR 1=1",
    "ed:reg:一",
    "ed:out:1",
    "ed:out:1:1000",
    "ed:reg:1:2",
    "ed:rt:1:2",
    "ed:rt:1:2:ok:3",
    "rv:",
    "rv:abc",
    "rv:-1",
    "rv:99999999999999999999",
    "rv:5\n",
    "rv:rm:1",
    "rv:rm:100:0a1b2c3d",
    "rv:rm:1:0A1B2C3D",
    "rv:rm:1:0a1b2c3",
    "tk:close:1",
    "tk:done:",
    "ad:rv:1:yes",
    "ad:rv:",
    "sub:cat:",
    "sub:cat:MEASURES",
    "sub:cat:措施",
    "sub:cat:measures:x",
    "sub:cat:measures\n",
    "sub:date:2",
    "sub:date:-1",
    "sub:chg:title'--",
    "sub:unit:x",
    "an:r:",
    "an:ok:XYZ",
    "an:ok:",
    "an:rp:x",
    "an:pv\n",
    "bf:d:1:h",
    "bf:d:1:menu:2",
    "bf:d:1:zz",
    "bf:a:1:1:xx",
    "bf:open:",
    "wn:send:",
    "wn:z:1:1",
    "wn:a:1",
    "vi:k:village",
    "vi:d:2",
    "vi:",
    "zz:1",
    "ca:",
    "ca:t:County",
    "ca:sc:all",
    "ca:d:x:1:1:1:a",
    "ca:d:p:1:1:1:c",
    "ca:v:1:1:1:y",
    "ca:v:1:1:1000:m",
    "ca:s:1",
    "ca:ok:1",
]


@pytest.mark.parametrize("data", FORGED)
def test_forged_and_garbled_data_decodes_to_none(data: str) -> None:
    """What no button of ours carries is refused, by every family's codec."""
    assert actions.decode(data) is None
    for family in FAMILIES:
        assert family.decode(data) is None


@pytest.mark.parametrize(
    "press",
    [
        signoff.Signoff(10**12, 0, 0, "a"),
        signoff.Signoff(-1, 0, 0, "a"),
        signoff.Signoff(1, 10**6, 0, "a"),
        editor.Outlet(1, 1000),
        editor.RouteToggle(1, 10**15, None),
        submit.PickCategory("x" * 57),
        submit.PickCategory("Measures"),
        announce.Send("not hex"),
        announce.Toggle("r", "a" * 21),
        briefs.DraftMenu(1, "h"),
        briefs.DraftMenu(1, "menu", 2),
        tasks.TaskAction("close", 1),  # type: ignore[arg-type]
        visits.PickDay(2),  # type: ignore[arg-type]
        campaign.PickTemplate("County"),
        campaign.Answer(1, 1, 1000, "m"),
        campaign.Decide("x", 1, 1, 1, "a"),  # type: ignore[arg-type]
    ],
    ids=repr,
)
def test_presses_outside_the_wire_are_not_encoded(press: Any) -> None:
    """A press that could not be read back (or would pass 64 bytes) is an error at once."""
    with pytest.raises(ValueError):  # noqa: PT011 - each codec names its own reason
        actions.encode(press)


def test_the_longest_presses_fit() -> None:
    """The widest value of every field still fits Telegram's limit."""
    widest: list[actions.Press] = [
        editor.RouteToggle(10**12 - 1, 10**15 - 1, 999),
        submit.PickCategory("a" * 56),
        announce.Send("f" * 32),
        briefs.DraftMenu(10**12 - 1, "dropok"),
        briefs.DraftMenu(10**12 - 1, "rm", 10**12 - 1),
        briefs.ConfirmReturn(10**12 - 1, 10**6 - 1, "review", True),
        signoff.ConfirmReturn(10**12 - 1, 10**6 - 1, 999, True),
        campaign.ConfirmReturn("g", 10**12 - 1, 10**6 - 1, 999, True),
        campaign.Answer(10**12 - 1, 10**12 - 1, 999, "n"),
        campaign.NextCheck(10**12 - 1, 10**12 - 1, 999),
        campaign.PickTemplate("a" * 32),
    ]
    for press in widest:
        assert len(actions.encode(press).encode()) <= actions.LIMIT


def test_routes_of_conversation_steps_take_their_presses() -> None:
    """Each /submit and /announce step is registered on a route its presses match."""
    routed: list[tuple[str, actions.Press]] = [
        (submit.UNIT_PATTERN, submit.PickUnit(1)),
        (submit.CATEGORY_PATTERN, submit.PickCategory("research")),
        (submit.BODY_DONE_PATTERN, submit.Step("body:done")),
        (submit.DAY_PATTERN, submit.PickDay(1)),
        (submit.FILES_DONE_PATTERN, submit.Step("files:done")),
        (submit.PREVIEW_PATTERN, submit.Step("ok")),
        (submit.PREVIEW_PATTERN, submit.Change("files")),
        (submit.CANCEL_PATTERN, submit.Step("cancel")),
        (revise.PATTERN, revise.Revise(10**12 - 1)),
        (revise.REMOVE_PATTERN, revise.RemoveFile(99, "ffffffff")),
        (announce.AUDIENCE_PATTERN, announce.Toggle("k", "township")),
        (announce.UNIT_PATTERN, announce.PickUnit(4)),
        (announce.PREVIEW_PATTERN, announce.Send("ab")),
        (announce.CANCEL_PATTERN, announce.Step("x")),
        (announce.REPORT_PATTERN, announce.Report(1)),
        (briefs.OPEN_PATTERN, briefs.OpenBrief(1)),
        (briefs.MENU_PATTERN, briefs.DraftMenu(1, "up", 2)),
        (briefs.DECISION_PATTERN, briefs.Decide(1, 0, "sign", "a")),
        (briefs.CONFIRM_PATTERN, briefs.ConfirmReturn(1, 0, "sign", False)),
        (briefs.GET_PATTERN, briefs.GetBrief(1)),
    ]
    for pattern, press in routed:
        assert re.match(pattern, actions.encode(press)), (pattern, press)


def test_a_notice_queues_its_buttons_in_wire_form() -> None:
    """Services give presses; the outbox keeps `[[label key, data]]` rows, as it always has."""
    rows = ((Button("btn.web_approve", webnews.NewsAction("a", 7, 1)),),)
    notice = Notice(1, "web_sign_request", {"news": 7, "buttons": rows}, 5, event="7:1")
    assert notice.buttons == rows
    assert notice.stored_params() == {"news": 7, "buttons": [[["btn.web_approve", "wn:a:7:1"]]]}
    plain = Notice(1, "item_adopted", {"item": 5})
    assert plain.stored_params() == {"item": 5}
    with pytest.raises(TypeError):
        actions.stored_rows([["wn:a:7:1"]])  # type: ignore[list-item]


def test_chat_imports_no_channel_and_no_layer_above() -> None:
    """chat/ stays channel-neutral: no telegram, and nothing of bot, handlers or workflow."""
    root = Path(__file__).resolve().parent.parent / "chat"
    banned = {"telegram", "bot", "handlers", "workflow", "storage", "sandbox"}
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                tops = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = {node.module.split(".")[0]}
            else:
                continue
            assert not tops & banned, f"{path.name} imports {tops & banned}"
