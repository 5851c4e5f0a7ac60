"""Chinese labels of the inbox pages (English key → Chinese)."""

ZH: dict[str, str] = {
}
