"""The officer console: server-rendered pages under /console/ (docs/console.md)."""
