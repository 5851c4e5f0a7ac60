"""Chinese labels of the customers pages (English key → Chinese)."""

ZH: dict[str, str] = {
}
