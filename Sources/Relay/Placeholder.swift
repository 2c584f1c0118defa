// Placeholder until the Relay layer lands.
