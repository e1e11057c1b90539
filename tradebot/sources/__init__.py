"""One module per data source; each turns its input into rows of the `figures` table."""
