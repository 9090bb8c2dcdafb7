"""Text analysis for Palabre: a plain library (no Flask, no database)."""
