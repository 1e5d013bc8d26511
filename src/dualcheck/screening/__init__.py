"""Party screening: normalise, index, score, explain."""
