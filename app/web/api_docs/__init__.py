"""OpenAPI path items, one module per feature, merged explicitly by ``app.web.openapi``."""
