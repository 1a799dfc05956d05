"""Pipeline stage: one build of a cycle, from the params file to the published HTML, PDF and downloads."""
