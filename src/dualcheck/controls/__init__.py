"""Control lists as versioned trees, search and classification."""
