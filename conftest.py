"""Root of the suite: steps and fixtures are plugins, so every feature can use every step."""

pytest_plugins = [
    "fixtures.options",
    "fixtures.reporting",
    "fixtures.platform",
    "steps.common",
    "steps.sandbox",
]
