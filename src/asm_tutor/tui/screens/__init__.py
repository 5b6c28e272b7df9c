"""Modal screens shown over the course: confirmations and the solution comparison."""
