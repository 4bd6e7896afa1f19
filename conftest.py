"""Root conftest: the Gherkin step library lives in `steps/`."""

pytest_plugins = ["steps.given", "steps.when", "steps.then", "steps.vocabulary"]
