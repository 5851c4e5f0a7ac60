"""Chinese labels of the instances pages (English key → Chinese)."""

ZH: dict[str, str] = {
}
