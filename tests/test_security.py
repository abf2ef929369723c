"""Security review checks: secrets never reach logs or messages, private database files."""

from __future__ import annotations

import logging
import stat

from bot.runner import RedactSecrets
from bot.settings import Secret, Settings
from db.build import build_database
from testkit.discord_harness import guild, running_pitboard
from testkit.fakes.discord_server import FakeDiscord, redirect_discord_to


async def test_token_never_logged_even_at_debug(real_store, caplog):
    async with FakeDiscord(guilds=[guild()]) as fake:
        with redirect_discord_to(fake), caplog.at_level(logging.DEBUG):
            async with running_pitboard(fake, real_store):
                for name, options in (
                    ("winner", {"track": "dega"}),
                    ("winner", {"track": "charlotte"}),
                    ("driver", {"name": "kligerman"}),
                ):
                    handle = await fake.send_slash_command(name, options)
                    await handle.response()
                await fake.disconnect_gateway()
                await fake.wait_connected()
    assert any(r.name.startswith("discord") and r.levelno == logging.DEBUG for r in caplog.records)  # debug was on
    assert fake.token not in caplog.text


def test_redact_filter_scrubs_secrets_from_records():
    secret = Secret("s3cr3t-token-value")
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "login with %s failed", ("s3cr3t-token-value",), None)
    assert RedactSecrets(secret).filter(record) and record.getMessage() == "login with *** failed"


def test_settings_never_show_secrets(tmp_path):
    settings = Settings.load(env_file=None, environ={
        "DISCORD_TOKEN": "discord-secret", "REDDIT_CLIENT_SECRET": "reddit-secret", "REDDIT_PASSWORD": "hunter2",
    })
    shown = repr(settings) + str(settings)
    assert "discord-secret" not in shown and "reddit-secret" not in shown and "hunter2" not in shown
    assert settings.discord_token.reveal() == "discord-secret"


async def test_built_database_is_private(history_subset, tmp_path):
    target = tmp_path / "data" / "pitboard.db"
    await build_database(target, show_progress=False)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
