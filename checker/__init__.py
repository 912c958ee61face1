"""ecs-check: compliance-as-code for e-commerce customer service."""

__version__ = "0.1.0"
