"""Infrastructure renderers: ingress routes, bus and Redis access, local secrets."""
