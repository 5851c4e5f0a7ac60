"""The Chinese labels, one catalog per feature (English keys → Chinese), merged explicitly."""

from __future__ import annotations

from app.web.labels import audit, common, customers, inbox, instances, reports, task_forms

ZH: dict[str, str] = {**common.ZH, **inbox.ZH, **task_forms.ZH, **customers.ZH, **instances.ZH, **audit.ZH,
                      **reports.ZH}
