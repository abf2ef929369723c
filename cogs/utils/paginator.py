"""Previous / next buttons that flip through pages of embeds (a long classification, a season's schedule).

Each button carries in its custom id everything a click needs: what is paged (a kind and a key that outlives
`db build`, such as the race's `race_key`), the page it turns to and who asked. So the buttons keep working for as
long as the message exists, across restarts, and nothing is held in memory between clicks: a click asks for the
pages again (from the remembered answers, usually) and shows the one it names. Only the member who asked can flip;
everyone can read.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

if TYPE_CHECKING:
    from bot.pitboard import Pitboard

Pager = Callable[["Pitboard", str], Awaitable[list[discord.Embed]]]   # (bot, key) → the pages, anew
PAGERS: dict[str, Pager] = {}   # kind → its pager, registered by the cogs that page (`pager`)
CUSTOM_ID = r"pb:page:(?P<kind>[a-z]+):(?P<key>[A-Za-z0-9.-]+):(?P<page>\d+):(?P<owner>\d+)"


def pager(kind: str) -> Callable[[Pager], Pager]:
    """Register how a kind's pages are made again from its key (a decorator)."""

    def register(make: Pager) -> Pager:
        PAGERS[kind] = make
        return make

    return register


class PageTurn(discord.ui.DynamicItem[discord.ui.Button], template=CUSTOM_ID):
    """A button that turns to one page of a paged answer."""

    def __init__(self, kind: str, key: str, page: int, owner: int, *, label: str = "", disabled: bool = False):
        super().__init__(discord.ui.Button(
            label=label, style=discord.ButtonStyle.secondary, disabled=disabled,
            custom_id=f"pb:page:{kind}:{key}:{page}:{owner}",
        ))
        self.kind, self.key, self.page, self.owner = kind, key, page, owner

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /,
    ) -> PageTurn:
        return cls(match["kind"], match["key"], int(match["page"]), int(match["owner"]))

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner:
            return True
        await interaction.response.send_message("Run the command yourself to flip through the pages.", ephemeral=True)
        return False

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        make = PAGERS.get(self.kind)
        pages = await make(interaction.client, self.key) if make else []
        if not pages:
            await interaction.response.send_message("These pages are no longer in the data.", ephemeral=True)
            return
        page = max(0, min(self.page, len(pages) - 1))
        await interaction.response.edit_message(embed=pages[page], view=page_turns(self.kind, self.key, page, len(pages),
                                                                                  self.owner))


def page_turns(kind: str, key: str, page: int, pages: int, owner: int) -> discord.ui.View:
    """The previous and next buttons of page `page` (from 0) of `pages`."""
    view = discord.ui.View(timeout=None)
    view.add_item(PageTurn(kind, key, max(page - 1, 0), owner, label="◀ Previous", disabled=page == 0))
    view.add_item(PageTurn(kind, key, page + 1, owner, label="Next ▶", disabled=page == pages - 1))
    return view


async def send_pages(interaction: discord.Interaction, pages: list[discord.Embed], kind: str, key: str) -> None:
    """One page: a plain reply. More: the first, with the buttons that turn to the others."""
    if len(pages) == 1:
        await interaction.response.send_message(embed=pages[0])
        return
    await interaction.response.send_message(embed=pages[0], view=page_turns(kind, key, 0, len(pages), interaction.user.id))
