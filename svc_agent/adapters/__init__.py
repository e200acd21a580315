"""Outside vendors of the agent, each behind a small interface with a twin beside it."""
