# The Newsdesk test kit: the newsdesk_pipeline, newsdesk_samples and newsdesk_check fixtures.
pytest_plugins = ["newsdesk.testing"]
