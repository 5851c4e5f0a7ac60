"""Reading instances for pages: detail, diagram, an open user task."""
