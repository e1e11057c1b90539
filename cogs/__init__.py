"""Discord glue: each extension turns options into a core call and an `Answer` into an embed.
The slash commands arrive with the Discord client (issue 3)."""
