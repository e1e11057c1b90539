"""Helpers shared by the cogs: rendering answers, the error path, autocomplete."""
