"""Skills-based routing: agents, presence, the waiting queue, atomic assignment and recorded decisions."""
