"""The WeCom commands of `baosong`: an invite for WeCom, and check-wecom against the emulator."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

from bot import cli
from sandbox.wecom.server import FakeWeComApi
from tests.flow import REPO

AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"


def env(tmp_path: Path, api: FakeWeComApi | None = None) -> dict[str, str]:
    """The environment of a WeCom-only centre (pointed at the emulator when given)."""
    values = {
        "BAOSONG_DB": str(tmp_path / "ledger.db"),
        "BAOSONG_CONFIG": str(REPO / "config.yaml"),
    }
    if api is not None:
        values |= {
            "BAOSONG_WECOM_CORP_ID": api.corp_id,
            "BAOSONG_WECOM_AGENT_ID": str(api.agent_id),
            "BAOSONG_WECOM_SECRET": api.secret,
            "BAOSONG_WECOM_TOKEN": "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
            "BAOSONG_WECOM_AES_KEY": AES_KEY,
            "BAOSONG_WECOM_API_BASE_URL": api.base_url,
            "BAOSONG_WECOM_LISTEN": "127.0.0.1:8089",
        }
    return values


def test_an_invite_for_wecom_prints_what_to_send(tmp_path: Path) -> None:
    """`invite --channel wecom --json` gives the code and the text to send the app."""
    assert cli.main(["init"], env(tmp_path), io.StringIO()) == 0
    out = io.StringIO()
    status = cli.main(
        ["invite", "--channel", "wecom", "--unit", "市人社局窗口", "--role", "informant", "--json"],
        env(tmp_path),
        out,
    )
    assert status == 0
    made = json.loads(out.getvalue())
    assert made["send"] == f"绑定 {made['code']}" and len(made["code"]) == 22


def test_check_wecom_says_whether_the_ip_is_trusted(tmp_path: Path) -> None:
    """A token is fetched, the callback path printed, and 60020 reported as untrusted."""

    async def check(distrust: bool) -> tuple[int, str]:
        async with FakeWeComApi() as api:
            if distrust:
                api.distrust_ip()
            out = io.StringIO()
            status = await asyncio.to_thread(cli.main, ["check-wecom"], env(tmp_path, api), out)
            return status, out.getvalue()

    status, said = asyncio.run(check(False))
    assert status == 0 and "/wecom/callback" in said and "可信IP: 是" in said, said
    status, said = asyncio.run(check(True))
    assert status == 1 and "60020" in said, said


def test_check_wecom_without_settings_says_what_to_set(tmp_path: Path) -> None:
    """No WeCom settings: an error naming the variables, status 1."""
    out = io.StringIO()
    assert cli.main(["check-wecom"], env(tmp_path), out) == 1
    assert "BAOSONG_WECOM_" in out.getvalue()
