"""OSV records: parsing, version matching, severity, fixes and the offline index."""
