"""Pure functions that turn query answers into text: terminal, JSON, Discord embeds, Reddit markdown."""
