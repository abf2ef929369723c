"""Buttons that flip through pages of embeds (long classifications)."""

from __future__ import annotations

import contextlib

import discord

PAGE_TIMEOUT = 600


class Pages(discord.ui.View):
    """Previous / next buttons; only the member who asked can flip, everyone can read."""

    def __init__(self, pages: list[discord.Embed], owner_id: int):
        super().__init__(timeout=PAGE_TIMEOUT)
        self.pages = pages
        self.owner_id = owner_id
        self.index = 0
        self.message: discord.InteractionMessage | None = None
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index == len(self.pages) - 1

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message("Run the command yourself to flip through the pages.", ephemeral=True)
        return False

    async def _show(self, interaction: discord.Interaction, index: int) -> None:
        self.index = max(0, min(index, len(self.pages) - 1))
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    @discord.ui.button(label="◀ Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._show(interaction, self.index - 1)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._show(interaction, self.index + 1)

    async def on_timeout(self) -> None:
        if self.message is not None:
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(view=None)


async def send_pages(interaction: discord.Interaction, pages: list[discord.Embed]) -> None:
    """One page: a plain reply. More: a reply with buttons."""
    if len(pages) == 1:
        await interaction.response.send_message(embed=pages[0])
        return
    view = Pages(pages, interaction.user.id)
    callback = await interaction.response.send_message(embed=pages[0], view=view)
    if isinstance(callback.resource, discord.InteractionMessage):
        view.message = callback.resource
