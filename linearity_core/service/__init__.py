"""What pages, the CLI and notebooks call: selection to model and dataset, background
jobs, the run store."""
