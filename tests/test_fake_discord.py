"""Self-test of testkit/fakes/discord_server.py against the real discord.py client."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import io
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands
from discord.http import Route

from testkit.clock import ManualClock
from testkit.discord_harness import RaceDayGuild, race_day_guild
from testkit.fakes.discord_server import (
    DEFAULT_CHANNEL_ID,
    DEFAULT_GUILD_ID,
    DEFAULT_USER_ID,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeMember,
    FakeUser,
    Pings,
    RateLimit,
    redirect_discord_to,
)

DRIVERS = ["Kyle Larson", "Kyle Busch", "Denny Hamlin", "Chase Elliott", "Ryan Blaney"]
LAPS_CSV = b"lap,leader\n1,Kyle Larson\n2,Denny Hamlin\n"
FEED_CHANNEL_ID = 1_200_000_000_000_000_010


# --------------------------------------------------------------------------- #
# A minimal bot with one command per wire behaviour under test
# --------------------------------------------------------------------------- #


@app_commands.command(description="Repeat text back in an embed")
async def echo(interaction: discord.Interaction, text: str) -> None:
    embed = discord.Embed(title="Echo", description=text)
    await interaction.response.send_message(embed=embed, allowed_mentions=discord.AllowedMentions.none())


@app_commands.command(description="Look up a driver")
async def driver(interaction: discord.Interaction, name: str) -> None:
    await interaction.response.send_message(f"Driver: {name}")


@driver.autocomplete("name")
async def driver_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    matches = [name for name in DRIVERS if name.lower().startswith(current.lower())]
    return [app_commands.Choice(name=name, value=name) for name in matches]


@app_commands.command(description="Lap chart as a CSV file")
async def report(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)
    await interaction.followup.send("Lap leaders", file=discord.File(io.BytesIO(LAPS_CSV), filename="laps.csv"))
    await interaction.edit_original_response(content="Lap leaders (final)")


@app_commands.command(description="A reply only the invoker sees")
async def secret(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("Pit on lap 42", ephemeral=True)


class Pager(discord.ui.View):
    """Two pages and a Next button."""

    @discord.ui.button(label="Next", custom_id="pages:next")
    async def next_page(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="Page 2/2", view=None)


@app_commands.command(description="Paginated results")
async def pages(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("Page 1/2", view=Pager())


@app_commands.command(description="Post the lap chart to a channel")
async def announce(interaction: discord.Interaction, channel: discord.TextChannel, laps: int) -> None:
    target = interaction.client.get_channel(channel.id)
    assert isinstance(target, discord.TextChannel)
    file = discord.File(io.BytesIO(LAPS_CSV), filename="laps.csv")
    message = await target.send(f"{laps} laps complete", file=file)
    await message.edit(content=f"{laps} laps complete (final)")
    await interaction.response.send_message(f"Posted in {target.mention}", ephemeral=True)


results = app_commands.Group(name="results", description="Race results")


@results.command(name="driver", description="Results of one driver")
async def results_driver(interaction: discord.Interaction, member: discord.Member, season: int = 2024) -> None:
    await interaction.response.send_message(f"{member.display_name} in {season}")


@app_commands.command(description="Global command that also works in DMs")
async def ping(interaction: discord.Interaction) -> None:
    where = "DM" if interaction.guild is None else interaction.guild.name
    await interaction.response.send_message(f"pong from {where} to {interaction.user.name}")


class FakeTestBot(commands.Bot):
    """Registers the test commands as guild commands of the fake's guild."""

    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            guild_ready_timeout=0.05,
        )

    async def setup_hook(self) -> None:
        guild = discord.Object(DEFAULT_GUILD_ID)
        guild_commands: list[app_commands.Command | app_commands.Group] = [
            echo,
            driver,
            report,
            secret,
            pages,
            announce,
            results,
        ]
        for command in guild_commands:
            self.tree.add_command(command, guild=guild)
        self.tree.add_command(ping)


# --------------------------------------------------------------------------- #
# Fixtures
# --------------------------------------------------------------------------- #


def _guild() -> FakeGuild:
    tester = FakeUser(id=DEFAULT_USER_ID, username="tester", global_name="Tester")
    return FakeGuild(
        id=DEFAULT_GUILD_ID,
        channels=[
            FakeChannel(id=DEFAULT_CHANNEL_ID, name="general"),
            FakeChannel(id=FEED_CHANNEL_ID, name="race-feed", position=1),
        ],
        members=[FakeMember(tester)],
        owner_id=tester.id,
    )


@pytest.fixture
async def fake(request: pytest.FixtureRequest) -> AsyncIterator[FakeDiscord]:
    """A started fake; parametrize indirectly with True for zlib-stream frames."""
    async with FakeDiscord(guilds=[_guild()], compress=getattr(request, "param", False)) as server:
        with redirect_discord_to(server):
            yield server


@contextlib.asynccontextmanager
async def running_bot(fake: FakeDiscord) -> AsyncIterator[FakeTestBot]:
    """Log in, connect and wait for READY; always close the bot afterwards."""
    bot = FakeTestBot()
    connect_task: asyncio.Task[None] | None = None
    try:
        await bot.login(fake.token)
        connect_task = asyncio.create_task(bot.connect())
        await asyncio.wait_for(bot.wait_until_ready(), timeout=5)
        yield bot
    finally:
        await bot.close()
        if connect_task is not None:
            await asyncio.wait_for(connect_task, timeout=5)


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[FakeTestBot]:
    """A connected bot whose commands are synced to the fake's guild."""
    async with running_bot(fake) as client:
        await client.tree.sync(guild=discord.Object(DEFAULT_GUILD_ID))
        yield client


# --------------------------------------------------------------------------- #
# Tests
# --------------------------------------------------------------------------- #


async def test_sync_stores_guild_commands_with_ids(fake: FakeDiscord, bot: FakeTestBot) -> None:
    synced = {command["name"]: command for command in fake.synced_commands(DEFAULT_GUILD_ID)}
    assert set(synced) == {"echo", "driver", "report", "secret", "pages", "announce", "results"}
    [text_option] = synced["echo"]["options"]
    assert (text_option["name"], text_option["type"]) == ("text", 3)
    assert fake.synced_commands() == []

    handle = await fake.send_slash_command("echo", {"text": "hi"})
    assert handle.payload["data"]["id"] == synced["echo"]["id"]
    assert handle.payload["data"]["guild_id"] == str(DEFAULT_GUILD_ID)
    await handle.response()


async def test_echo_replies_with_embed_and_no_mentions(fake: FakeDiscord, bot: FakeTestBot) -> None:
    handle = await fake.send_slash_command("echo", {"text": "Green flag @everyone"})
    callback = await handle.response()

    assert callback["type"] == 4
    assert callback["data"]["embeds"] == [
        {"title": "Echo", "description": "Green flag @everyone", "type": "rich", "flags": 0}
    ]
    assert callback["data"]["allowed_mentions"] == {"parse": []}
    assert callback["data"].get("flags", 0) & 64 == 0
    assert handle.callback is not None and handle.callback.query == {"with_response": "1"}
    assert handle.original_message["embeds"][0]["description"] == "Green flag @everyone"
    assert fake.error_responses() == []


async def test_autocomplete_returns_filtered_choices(fake: FakeDiscord, bot: FakeTestBot) -> None:
    handle = await fake.send_autocomplete("driver", {"name": "ky"}, focused="name")
    callback = await handle.response()

    choices = [{"name": "Kyle Larson", "value": "Kyle Larson"}, {"name": "Kyle Busch", "value": "Kyle Busch"}]
    assert callback == {"type": 8, "data": {"choices": choices}}


async def test_deferred_followup_carries_file(fake: FakeDiscord, bot: FakeTestBot) -> None:
    handle = await fake.send_slash_command("report")
    assert await handle.response() == {"type": 5}

    [followup] = await handle.followups()
    request = handle.followup_requests[0]
    assert followup["content"] == "Lap leaders"
    assert followup["attachments"] == [{"id": 0, "filename": "laps.csv"}]
    assert request.files == [("laps.csv", LAPS_CSV)]
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    assert request.query["wait"] == "1"

    # The first followup after a deferral fills the "thinking" message, which is then edited.
    [edit] = await handle.edits()
    assert edit["content"] == "Lap leaders (final)"
    message = handle.original_message
    assert message["content"] == "Lap leaders (final)" and message["flags"] == 0
    [attachment] = message["attachments"]
    async with aiohttp.ClientSession() as session, session.get(attachment["url"]) as response:
        assert await response.read() == LAPS_CSV


async def test_ephemeral_reply_sets_flag_64(fake: FakeDiscord, bot: FakeTestBot) -> None:
    handle = await fake.send_slash_command("secret")
    callback = await handle.response()

    assert callback["type"] == 4
    assert callback["data"]["content"] == "Pit on lap 42"
    assert callback["data"]["flags"] == 64


async def test_button_click_updates_the_message(fake: FakeDiscord, bot: FakeTestBot) -> None:
    command = await fake.send_slash_command("pages")
    callback = await command.response()
    [row] = callback["data"]["components"]
    assert row["components"][0]["custom_id"] == "pages:next"

    click = await fake.send_component("pages:next", command.original_message["id"])
    update = await click.response()

    assert update["type"] == 7
    assert update["data"]["content"] == "Page 2/2"
    assert update["data"]["components"] == []
    assert command.original_message["content"] == "Page 2/2"


async def test_channel_option_resolves_and_channel_message_is_multipart(fake: FakeDiscord, bot: FakeTestBot) -> None:
    handle = await fake.send_slash_command("announce", {"channel": FEED_CHANNEL_ID, "laps": 200})
    data = handle.payload["data"]
    assert data["options"] == [
        {"name": "channel", "type": 7, "value": str(FEED_CHANNEL_ID)},
        {"name": "laps", "type": 4, "value": 200},
    ]
    assert data["resolved"]["channels"][str(FEED_CHANNEL_ID)]["name"] == "race-feed"

    callback = await handle.response()
    assert (callback["data"]["content"], callback["data"]["flags"]) == (f"Posted in <#{FEED_CHANNEL_ID}>", 64)
    [posted] = fake.channel_messages
    assert posted.path == f"/channels/{FEED_CHANNEL_ID}/messages"
    assert posted.json["content"] == "200 laps complete"
    assert posted.files == [("laps.csv", LAPS_CSV)]
    [edit] = fake.message_edits
    assert edit.json["content"] == "200 laps complete (final)"
    assert "Authorization" not in posted.headers


async def test_wait_for_request_sees_bot_initiated_posts(fake: FakeDiscord, bot: FakeTestBot) -> None:
    channel = bot.get_channel(FEED_CHANNEL_ID)
    assert isinstance(channel, discord.TextChannel)
    post = asyncio.create_task(channel.send("Green flag!"))
    request = await fake.wait_for_request(lambda request: request.path == f"/channels/{FEED_CHANNEL_ID}/messages")
    assert request.json["content"] == "Green flag!"
    message = await post
    assert fake.messages[message.id]["content"] == "Green flag!"


async def test_subcommand_with_member_option(fake: FakeDiscord, bot: FakeTestBot) -> None:
    tester = fake.default_guild.members[0].user
    handle = await fake.send_slash_command("results", {"member": tester, "season": 2023}, subcommand="driver")
    [subcommand] = handle.payload["data"]["options"]
    assert subcommand["type"] == 1 and subcommand["name"] == "driver"
    assert subcommand["options"][0] == {"name": "member", "type": 6, "value": str(tester.id)}
    assert str(tester.id) in handle.payload["data"]["resolved"]["members"]

    assert (await handle.response())["data"]["content"] == "Tester in 2023"


async def test_global_command_in_dm(fake: FakeDiscord, bot: FakeTestBot) -> None:
    await bot.tree.sync()
    assert [command["name"] for command in fake.synced_commands()] == ["ping"]

    handle = await fake.send_slash_command("ping", dm=True)
    assert "guild_id" not in handle.payload["data"]
    assert (await handle.response())["data"]["content"] == "pong from DM to tester"


async def test_wrong_token_raises_login_failure(fake: FakeDiscord) -> None:
    bot = FakeTestBot()
    try:
        with pytest.raises(discord.LoginFailure):
            await bot.login("not-the-token")
    finally:
        await bot.close()
    assert [(request.method, request.path, request.status) for request in fake.requests] == [("GET", "/users/@me", 401)]


async def test_identify_with_stale_token_is_closed_with_4004(fake: FakeDiscord) -> None:
    bot = FakeTestBot()
    try:
        await bot.login(fake.token)
        fake.token = "rotated"
        with pytest.raises(discord.ConnectionClosed) as closed:
            await asyncio.wait_for(bot.connect(), timeout=5)
        assert closed.value.code == 4004
    finally:
        await bot.close()


async def test_client_resumes_after_gateway_drop(fake: FakeDiscord, bot: FakeTestBot) -> None:
    resumed = asyncio.Event()

    async def on_resumed() -> None:
        resumed.set()

    bot.add_listener(on_resumed)
    session_id = bot.ws.session_id

    await fake.disconnect_gateway(code=4000)
    await asyncio.wait_for(resumed.wait(), timeout=5)
    await fake.wait_connected()

    [identify] = [payload for payload in fake.gateway_received if payload["op"] == 2]
    [resume] = [payload for payload in fake.gateway_received if payload["op"] == 6]
    assert identify["d"]["intents"] == discord.Intents.default().value
    assert resume["d"]["session_id"] == session_id
    assert resume["d"]["seq"] >= 2  # READY + GUILD_CREATE were seen

    handle = await fake.send_slash_command("echo", {"text": "still here"})
    assert (await handle.response())["data"]["embeds"][0]["description"] == "still here"


async def test_unknown_route_is_404_and_recorded(fake: FakeDiscord, bot: FakeTestBot) -> None:
    with pytest.raises(discord.NotFound):
        await bot.http.request(Route("GET", "/guilds/{guild_id}/bans", guild_id=DEFAULT_GUILD_ID))
    [unknown] = fake.unknown_routes
    assert (unknown.method, unknown.path, unknown.status) == ("GET", f"/guilds/{DEFAULT_GUILD_ID}/bans", 404)
    assert unknown.error == '{"message":"Unknown route","code":0}'


async def test_sync_refuses_what_discord_refuses(fake: FakeDiscord, bot: FakeTestBot) -> None:
    """Descriptions over 100 characters, names over 32: Discord answers 400 Invalid Form Body and keeps the old set."""
    url = f"{fake.base_url}/applications/{fake.application_id}/guilds/{DEFAULT_GUILD_ID}/commands"
    headers = {"Authorization": f"Bot {fake.token}"}
    too_long = [{"name": "echo", "description": "x" * 101, "options": [{"type": 3, "name": "n" * 33, "description": "y"}]}]
    async with aiohttp.ClientSession() as session, session.put(url, headers=headers, json=too_long) as response:
        assert response.status == 400
        refusal = await response.json()
    assert refusal["code"] == 50035 and len(refusal["errors"]) == 2
    assert {command["name"] for command in fake.synced_commands(DEFAULT_GUILD_ID)} >= {"echo", "driver"}


async def test_json_content_type_is_exact(fake: FakeDiscord) -> None:
    url, headers = f"{fake.base_url}/users/@me", {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        assert response.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("fake", [True], indirect=True, ids=["zlib-stream"])
async def test_zlib_stream_gateway(fake: FakeDiscord, bot: FakeTestBot) -> None:
    handle = await fake.send_slash_command("secret")
    assert (await handle.response())["data"]["flags"] == 64


async def test_many_concurrent_commands_are_all_answered(fake: FakeDiscord, bot: FakeTestBot) -> None:
    handles = [await fake.send_slash_command("echo", {"text": f"lap {lap}"}) for lap in range(300)]
    callbacks = await asyncio.gather(*(handle.response(timeout=10) for handle in handles))
    assert [callback["data"]["embeds"][0]["description"] for callback in callbacks] == [
        f"lap {lap}" for lap in range(300)
    ]


# --------------------------------------------------------------------------- #
# Race day: rate limits, mentions, threads and forum posts, scheduled events
# --------------------------------------------------------------------------- #


RACE_DAY_START = datetime.datetime(2026, 6, 28, 19, 0, tzinfo=datetime.UTC)


@pytest.fixture
async def race_fake() -> AsyncIterator[tuple[FakeDiscord, ManualClock, RaceDayGuild, RaceDayGuild]]:
    """Two race-day servers (the second without Manage Events for the bot) on a manual clock."""
    clock = ManualClock(RACE_DAY_START)
    allowed, refused = race_day_guild(1), race_day_guild(2, manage_events=False)
    async with FakeDiscord(guilds=[allowed.guild, refused.guild], clock=clock.time) as server:
        with redirect_discord_to(server):
            yield server, clock, allowed, refused


async def _post(fake: FakeDiscord, channel_id: int, body: dict) -> tuple[int, dict, dict]:
    url, headers = f"{fake.base_url}/channels/{channel_id}/messages", {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession() as session, session.post(url, json=body, headers=headers) as response:
        return response.status, dict(response.headers), await response.json()


async def test_message_bucket_headers_and_429_are_discords(race_fake) -> None:
    fake, clock, server, _ = race_fake
    answers = [await _post(fake, server.announce_id, {"content": f"lap {lap}"}) for lap in range(6)]

    assert [status for status, _, _ in answers] == [200] * 5 + [429]
    first_headers = answers[0][1]
    assert (first_headers["X-RateLimit-Limit"], first_headers["X-RateLimit-Remaining"]) == ("5", "4")
    assert float(first_headers["X-RateLimit-Reset-After"]) == 5.0
    assert float(first_headers["X-RateLimit-Reset"]) == clock.time() + 5
    assert first_headers["X-RateLimit-Bucket"] == answers[4][1]["X-RateLimit-Bucket"]
    status, headers, body = answers[5]
    assert body == {"message": "You are being rate limited.", "retry_after": 5.0, "global": False, "code": 0}
    assert (headers["Retry-After"], headers["X-RateLimit-Scope"], headers["X-RateLimit-Remaining"]) == ("5", "user", "0")
    assert "Via" in headers   # discord.py retries a 429 only when it came through Discord's proxy
    assert len(fake.rate_limited) == 1

    clock.advance(5)                                                    # a new window
    assert (await _post(fake, server.announce_id, {"content": "again"}))[0] == 200
    assert (await _post(fake, server.general_id, {"content": "other channel"}))[0] == 200   # buckets are per channel


async def test_discord_py_waits_out_the_headers_and_never_meets_a_429() -> None:
    server = race_day_guild(1)
    async with FakeDiscord(guilds=[server.guild], message_rate_limit=RateLimit(limit=2, window=0.2)) as fake:
        with redirect_discord_to(fake):
            async with running_bot(fake) as client:
                channel = client.get_partial_messageable(server.announce_id)
                message = await channel.send("lap 1")
                for lap in range(2, 6):
                    await message.edit(content=f"lap {lap}")
    assert fake.rate_limited == []
    assert fake.messages[message.id]["content"] == "lap 5"


async def test_allowed_mentions_are_recorded_and_decide_who_is_pinged(race_fake) -> None:
    fake, _, server, _ = race_fake
    loud = f"@everyone <@&{server.fans_role_id}> <@&{server.staff_role_id}> <@{DEFAULT_USER_ID}>"
    async with running_bot(fake) as client:
        channel = client.get_partial_messageable(server.announce_id)
        silent = await channel.send(loud, allowed_mentions=discord.AllowedMentions.none())
        one_role = await channel.send(loud, allowed_mentions=discord.AllowedMentions(
            everyone=False, users=False, replied_user=False, roles=[discord.Object(server.fans_role_id)]))
    _, _, unrestricted = await _post(fake, server.announce_id, {"content": loud})

    assert fake.allowed_mentions[silent.id] == {"parse": []}
    assert not fake.pings(silent.id).anyone
    assert fake.allowed_mentions[one_role.id] == {"parse": [], "roles": [server.fans_role_id]}
    assert fake.pings(one_role.id) == Pings(everyone=False, roles=frozenset({server.fans_role_id}), users=frozenset())
    assert fake.messages[one_role.id]["mention_roles"] == [str(server.fans_role_id)]
    everyone = fake.pings(int(unrestricted["id"]))                     # no allowed_mentions: Discord parses them all
    assert everyone.everyone and everyone.roles == {server.fans_role_id, server.staff_role_id}
    assert everyone.users == {DEFAULT_USER_ID}


async def test_threads_and_forum_posts_take_messages(race_fake) -> None:
    fake, _, server, _ = race_fake
    async with running_bot(fake) as client:
        channel = client.get_channel(server.announce_id)
        forum = client.get_channel(server.forum_id)
        assert isinstance(channel, discord.TextChannel) and isinstance(forum, discord.ForumChannel)

        thread = await channel.create_thread(name="Chicagoland 400", type=discord.ChannelType.public_thread)
        await thread.send("green flag")
        starter = await channel.send("Pocono 400")
        from_message = await starter.create_thread(name="Pocono 400")
        post = await forum.create_thread(name="Daytona 500", embed=discord.Embed(title="Daytona 500"))
        await post.thread.send("caution")

    assert [t.name for t in fake.threads] == ["Chicagoland 400", "Pocono 400", "Daytona 500"]
    assert (thread.parent_id, thread.type) == (server.announce_id, discord.ChannelType.public_thread)
    assert from_message.id == starter.id                             # a thread on a message takes its id
    assert post.message.id == post.thread.id and post.thread.parent_id == server.forum_id
    assert [m["content"] for m in fake.channel_history(thread.id)] == ["green flag"]
    assert [m["embeds"][0]["title"] for m in fake.channel_history(post.thread.id)[:1]] == ["Daytona 500"]
    assert fake.channel_history(post.thread.id)[1]["content"] == "caution"


async def test_scheduled_events_are_created_edited_and_deleted(race_fake) -> None:
    fake, clock, server, no_permission = race_fake
    start = RACE_DAY_START + datetime.timedelta(days=1)
    async with running_bot(fake) as client:
        guild = client.get_guild(server.guild_id)
        assert guild is not None and guild.me.guild_permissions.manage_events
        event = await guild.create_scheduled_event(
            name="Chicagoland 400", start_time=start, end_time=start + datetime.timedelta(hours=4),
            location="Chicagoland Speedway", entity_type=discord.EntityType.external,
            privacy_level=discord.PrivacyLevel.guild_only,
        )
        assert (event.name, event.location, event.start_time) == ("Chicagoland 400", "Chicagoland Speedway", start)
        fetched = await guild.fetch_scheduled_event(event.id)
        moved = await fetched.edit(start_time=start + datetime.timedelta(hours=2), end_time=start + datetime.timedelta(hours=6))
        assert moved.start_time == start + datetime.timedelta(hours=2)
        assert fake.scheduled_events[event.id]["scheduled_start_time"] == moved.start_time.isoformat()
        await moved.delete()
        assert fake.scheduled_events == {}

        with pytest.raises(discord.HTTPException, match="in the past"):
            await guild.create_scheduled_event(
                name="Yesterday", start_time=clock.now() - datetime.timedelta(hours=1), end_time=clock.now(),
                location="Somewhere", entity_type=discord.EntityType.external, privacy_level=discord.PrivacyLevel.guild_only)
        refused_guild = client.get_guild(no_permission.guild_id)
        assert refused_guild is not None and not refused_guild.me.guild_permissions.manage_events
        with pytest.raises(discord.Forbidden):
            await refused_guild.create_scheduled_event(
                name="Chicagoland 400", start_time=start, end_time=start + datetime.timedelta(hours=4),
                location="Chicagoland Speedway", entity_type=discord.EntityType.external,
                privacy_level=discord.PrivacyLevel.guild_only)
