"""The job lifecycle as plain functions; the CLI, the web API and task handlers call only these."""
