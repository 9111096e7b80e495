"""《工作简报》 and website news for WeCom members, end to end over HTTP: sealed callbacks posted
to the callback app, the dispatcher answering, the replies and requests sent through the
outbox to the WeCom emulator: a reviewer gets an issue's 清样 as a .docx file and approves it
on its card; website news with photos is reviewed and published by WeCom members, the
photos reaching both before their requests."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import date, timedelta

import aiohttp
import pytest

from bot.documents import briefdoc
from bot.settings.loader import load_settings
from bot.wiring import bulletin_parts, centre_rules
from channels.wecom.adapter import WeComChannel
from channels.wecom.api import WeComClient
from channels.wecom.callback import CallbackConfig, callback_app, serving
from channels.wecom.crypto import MsgCrypt
from channels.wecom.dispatch import Dispatcher
from channels.wecom.render import wecom_texts
from chat.texts import Texts
from sandbox.wecom.server import FakeWeComApi
from sandbox.wecom.store import Delivery
from scoring.vocab import Role
from storage import adoptions, briefs, files, people, units, webnews
from storage.db import Database
from storage.models import TELEGRAM, Account, Person
from tests.conftest import FakeClock
from tests.flow import REPO, load_units
from tests.test_wecom_commands import asks, delivered
from tests.test_wecom_dispatch import AES_KEY, TOKEN, Rig
from workflow import briefs as brief_flow
from workflow import centre, submission
from workflow import webnews as news_flow
from workflow.briefs import BriefContent

WECOM = "wecom"
PHOTO = b"\xff\xd8\xff\xe0 a photo of the new hall"


async def render(content: BriefContent) -> bytes:
    """The issue's .docx as the root renders it (here in the test's process)."""
    return briefdoc.render(content)


@pytest.fixture
async def rig(db: Database, clock: FakeClock) -> AsyncIterator[Rig]:
    """The emulator, the callback server and a dispatcher handed the issue's renderer."""
    settings = load_settings(REPO / "config.yaml", {})
    await load_units(db, settings)
    rules = dataclasses.replace(centre_rules(settings), admins=(Account(TELEGRAM, "9001"),))
    async with FakeWeComApi(clock=lambda: clock.now.timestamp()) as api:
        client = WeComClient(api.corp_id, api.secret, api.agent_id, base_url=api.base_url)
        channel = WeComChannel(client, db, wecom_texts("zh"))
        await channel.start()
        config = CallbackConfig(corp_id=api.corp_id, token=TOKEN, encoding_aes_key=AES_KEY)
        dispatcher = Dispatcher(
            db, rules, channel, bulletin_parts=bulletin_parts(Texts("zh")), render_issue=render
        )
        async with (
            serving(callback_app(db, config), "127.0.0.1", 0) as port,
            aiohttp.ClientSession() as http,
        ):
            url = f"http://127.0.0.1:{port}/wecom/callback"
            crypt = MsgCrypt(TOKEN, AES_KEY, api.corp_id)
            found = Rig(db, rules, api, channel, dispatcher, url, crypt, clock, http)
            api.on_callback(found.sink)
            yield found
        await channel.stop()


async def crew(rig: Rig) -> dict[str, Person]:
    """An informant of 综合科 on Telegram; an editor, a centre leader, a main leader and a
    network admin of 办公室 on WeCom (their userids are their names)."""
    found: dict[str, Person] = {}
    async with rig.db.transaction() as tx:
        for account, name, unit_name, role in (
            (Account(TELEGRAM, "501"), "informant", "综合科", Role.INFORMANT),
            (Account(WECOM, "editor"), "editor", "办公室", Role.EDITOR),
            (Account(WECOM, "leader"), "leader", "办公室", Role.CENTRE_LEADER),
            (Account(WECOM, "chief"), "chief", "办公室", Role.MAIN_LEADER),
            (Account(WECOM, "netadmin"), "netadmin", "办公室", Role.NETWORK_ADMIN),
        ):
            person = await people.ensure_person(tx, account, name)
            unit = await units.unit_by_name(tx, unit_name)
            assert unit is not None
            await people.grant_role(tx, person.id, unit.id, role, None)
            found[name] = person
    return found


async def registered(rig: Rig, cast: dict[str, Person], *, photo: bool = False) -> int:
    """A section's item at the centre, registered by the editor (with a photo if asked)."""
    attached: tuple[submission.FileEntry, ...] = ()
    if photo:
        key = files.content_key(PHOTO)
        async with rig.db.transaction() as tx:
            await files.put(tx, key, "hall.jpg", "image/jpeg", PHOTO)
        attached = (("photo", key, "hall.jpg", "image/jpeg", len(PHOTO), None),)
    async with rig.db.reading() as tx:
        unit = await units.unit_by_name(tx, "综合科")
    assert unit is not None
    draft = submission.Draft(
        unit.id, "public_work", "新大厅启用", "新大厅今日启用。", date(2026, 10, 14), attached
    )
    item = (await submission.submit(rig.db, rig.rules, cast["informant"], draft)).item
    await centre.register(rig.db, cast["editor"], item.id)
    return item.id


def card_key(rig: Rig, userid: str, prefix: str) -> tuple[str, str]:
    """The newest card a member got with a button whose key starts so: its task and key."""
    for d in reversed(rig.api.inbox(userid)):
        if d.msgtype != "template_card":
            continue
        for button in d.content.get("button_list", []):
            if str(button["key"]).startswith(prefix):
                return str(d.content["task_id"]), str(button["key"])
    raise AssertionError(f"no card with {prefix} for {userid}: {rig.shown(userid)}")


def photo_then_card(got: list[Delivery]) -> bool:
    """Whether a member was sent the photo and, after it, the request's card (last)."""
    kinds = [d.msgtype for d in got]
    return "image" in kinds and kinds[-1] == "template_card"


async def test_a_wecom_reviewer_gets_the_proof_docx_and_approves_then_the_issue_is_signed(
    rig: Rig,
) -> None:
    """送审 queues the 清样 to the WeCom centre leader as a .docx file before the entries and
    the request card; 审核通过 on the card renders the signing round's 清样 for the main leader,
    whose 签发 issues the issue; 「简报」 then lists it and 📄 取第N期 sends its .docx again."""
    cast = await crew(rig)
    item_id = await registered(rig, cast)
    view = await brief_flow.open_draft(rig.db, rig.rules, cast["editor"])
    await brief_flow.add_items(rig.db, rig.rules, cast["editor"], view.brief.id, [item_id])
    await brief_flow.send_for_review(
        rig.db, rig.rules, cast["editor"], view.brief.id, render=render
    )
    await rig.settle()
    got = rig.api.inbox("leader")
    kinds = [d.msgtype for d in got]
    assert "file" in kinds and kinds[-1] == "template_card", kinds
    proof = got[kinds.index("file")]
    name = rig.api.media[str(proof.content["media_id"])].filename
    assert name.endswith(".docx") and "清样" in name, name
    assert "新大厅今日启用。" in delivered(rig, "leader", 0)
    task, approve = card_key(rig, "leader", "bf:a:")
    since = len(rig.api.inbox("leader"))
    await rig.api.press("leader", task, approve)
    await rig.settle()
    assert "审核" in delivered(rig, "leader", since), delivered(rig, "leader", since)
    async with rig.db.reading() as tx:
        brief = await briefs.get_brief(tx, view.brief.id)
    assert brief is not None and brief.state == "signing"
    chief = rig.api.inbox("chief")
    assert [d.msgtype for d in chief].count("file") == 1 and chief[-1].msgtype == "template_card"
    task, sign = card_key(rig, "chief", "bf:a:")
    await rig.api.press("chief", task, sign)
    await rig.settle()
    async with rig.db.reading() as tx:
        issued = await briefs.get_brief(tx, view.brief.id)
        adopted = await adoptions.adoptions_of(tx, item_id)
    assert issued is not None and issued.state == "issued"
    assert [a.outlet for a in adopted] == [rig.rules.publishing.brief_outlet]
    listed = await asks(rig, "editor", "简报")
    assert "《工作简报》各期" in listed and "已签发" in listed, listed
    task, get = card_key(rig, "editor", "bf:get:")
    rig.clock.now += timedelta(minutes=31)  # WeCom drops the same file again within 30 minutes
    since = len(rig.api.inbox("editor"))
    await rig.api.press("editor", task, get)
    await rig.settle()
    again = rig.api.inbox("editor")[since:]
    assert [d.msgtype for d in again][-1] == "file", [d.msgtype for d in again]
    fetched = rig.api.media[str(again[-1].content["media_id"])].filename
    assert fetched.endswith(".docx") and "清样" not in fetched, fetched
    assert "《" in (again[0].text or ""), again[0].text


async def test_website_news_with_photos_is_reviewed_and_published_by_wecom_members(
    rig: Rig,
) -> None:
    """「网站信息 N」 sends a registered item with a photo to sign-off: the WeCom centre leader
    gets the photo, then the request; 同意发布 asks the network admin, who gets the photo too;
    an edit after approval restarts the review with the new text and the photo; 已发布 and the
    pasted URL record the website's adoption."""
    cast = await crew(rig)
    item_id = await registered(rig, cast, photo=True)
    sent = await asks(rig, "editor", f"网站信息 {item_id}")
    assert f"#{item_id}" in sent, sent
    leader = rig.api.inbox("leader")
    assert photo_then_card(leader), leader
    assert "新大厅今日启用" in delivered(rig, "leader", 0)
    listed = await asks(rig, "leader", "网站信息")
    assert "新大厅启用" in listed, listed
    task, approve = card_key(rig, "leader", "wn:a:")
    await rig.api.press("leader", task, approve)
    await rig.settle()
    admin = rig.api.inbox("netadmin")
    assert photo_then_card(admin), admin
    # The editor rewrites the text: the review starts again with it and the photo.
    since = len(rig.api.inbox("leader"))
    rig.clock.now += timedelta(minutes=31)  # WeCom drops the same photo again within 30 minutes
    await centre.edit(
        rig.db,
        rig.rules,
        cast["editor"],
        item_id,
        title="新大厅启用（修订）",
        body="修订后的正文。",
        then=news_flow.restart_in,
    )
    await rig.settle()
    again = rig.api.inbox("leader")[since:]
    assert photo_then_card(again), again
    assert "修订后的正文。" in delivered(rig, "leader", since)
    task, approve = card_key(rig, "leader", "wn:a:")
    await rig.api.press("leader", task, approve)
    await rig.settle()
    task, published = card_key(rig, "netadmin", "wn:p:")
    await rig.api.press("netadmin", task, published)
    await rig.settle()
    await rig.say("netadmin", "https://www.example.gov.cn/news/1.html")
    await rig.settle()
    async with rig.db.reading() as tx:
        news = await webnews.news_of_item(tx, item_id)
        adopted = await adoptions.adoptions_of(tx, item_id)
    assert news is not None and news.state == "published" and news.round == 2
    assert [a.outlet for a in adopted] == [rig.rules.publishing.website_outlet]
