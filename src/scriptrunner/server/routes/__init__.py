"""The ``/api/v1`` route modules: each exports ``router`` (read routes, for viewers) and,
when it has actions, ``operator_router``; ``server.app`` mounts them behind the auth."""
