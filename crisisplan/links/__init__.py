"""Private links: the client's public /p/ pages, their rate limits and the PIN."""
