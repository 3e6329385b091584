"""Local HTTP servers that speak the wire formats of services tests cannot reach."""
