"""Chinese labels of the task_forms pages (English key → Chinese)."""

ZH: dict[str, str] = {
}
