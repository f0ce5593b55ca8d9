"""Product reviews by buyers of completed orders."""
