"""The JSON API's models (pydantic v2), one module per feature: what each endpoint takes (a
``Body``, a ``Query``) and answers (an ``Answer``). The same model validates a request and
describes it in ``/api/openapi.json``; each carries an example. ``base`` holds what they share;
the machine callbacks' items are the use cases' own (``app.usecases.inbound_models``)."""
