"""Read models of the desk: what a screen shows, permission-filtered."""
